package refresher

import (
	"context"
	"sync"
	"testing"
	"time"
)

// status (Inspect) must not take the job's lock to see whether a run goes
// on: a tick that came while an operator or a monitor ran status would be
// skipped as "running elsewhere", and its tick lock kept by the skipper.
func TestStatusDoesNotTakeTheJobLock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	j := f.config("").Jobs[0]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if st := Inspect(ctx, j); st.Error != "" {
				t.Errorf("status: %s", st.Error)
				return
			}
		}
	}()
	l := newLease(j)
	defer l.close()
	busy := 0
	for range 10 {
		ok, err := l.lockJob(ctx)
		if err != nil {
			t.Error(err)
			break
		}
		if !ok {
			busy++
			continue
		}
		// While a run holds the lock, status says so.
		if st := Inspect(ctx, j); !st.Running {
			t.Errorf("status while the job lock is held: running false")
		}
		l.unlockJob(ctx)
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if busy > 0 {
		t.Errorf("a run found the job busy %d times out of 10 while status was being read", busy)
	}
}

// A rollback killed mid-swap leaves the previous copy it was swapping in
// closed to connections: recovery opens it again, as it does staging.
func TestRecoverReopensAPreviousCopy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	j := f.config("").Jobs[0]
	prev := j.prevName(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	exec1(t, f.server, "CREATE DATABASE "+ident(prev), "ALTER DATABASE "+ident(prev)+" WITH ALLOW_CONNECTIONS false")
	ctx := context.Background()
	adm, err := connect(ctx, f.server, "connect")
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close(ctx)
	if _, err := recoverLeftovers(ctx, adm, j); err != nil {
		t.Fatal(err)
	}
	if _, allow, err := database(ctx, adm, prev); err != nil || !allow {
		t.Errorf("%s: allows connections %t (%v)", prev, allow, err)
	}
}
