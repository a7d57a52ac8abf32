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
