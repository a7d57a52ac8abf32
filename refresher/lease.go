package refresher

import (
	"context"
	"errors"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5"
)

// A lease is a session on the staging server holding PostgreSQL advisory
// locks for one staging database, so that refreshers sharing a config
// (replicas, or a CronJob overlapping a daemon) neither run a job at once
// nor both run the same tick:
//
//   - the job lock, pg_try_advisory_lock(bigint), is held while a run or
//     a rollback goes on;
//   - the tick lock, pg_try_advisory_lock(int, int) on the tick's Unix
//     time, is held from the tick until the next one, so a refresher that
//     comes to the tick a moment late, after a quick run has ended, finds
//     it taken.
//
// The locks live as long as the session: a refresher that dies (even by
// SIGKILL) releases them.
type lease struct {
	server, database string
	conn             *pgx.Conn // nil until needed, or after it broke
	tick             *int32    // the tick lock held, if any
	job              bool      // the job lock is held
}

func newLease(j *Job) *lease { return &lease{server: j.Target.Server, database: j.Target.Database} }

// keys derive the lock keys from the staging database's name: the locks
// are taken on its server, so the name alone tells jobs apart there.
func (l *lease) keys() (job int64, space int32) {
	h := fnv.New64a()
	h.Write([]byte("understudy refresher\x00" + l.database))
	sum := h.Sum64()
	return int64(sum), int32(sum >> 32)
}

// session returns the lease's connection, reconnecting after a failure
// (locks held on a broken one are gone with it).
func (l *lease) session(ctx context.Context) (*pgx.Conn, error) {
	if l.conn != nil && !l.conn.IsClosed() {
		return l.conn, nil
	}
	l.conn, l.tick, l.job = nil, nil, false
	cfg, err := pgx.ParseConfig(l.server)
	if err != nil {
		return nil, serverError(l.server, "connect for the lease", errors.New("invalid connection string"))
	}
	cfg.RuntimeParams["application_name"] = "understudy refresher lease"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, serverError(l.server, "connect for the lease", err)
	}
	l.conn = conn
	return conn, nil
}

// claimTick takes tick's lock and lets the previous tick's go. It reports
// false when another refresher holds it: that one runs the tick.
func (l *lease) claimTick(ctx context.Context, tick time.Time) (bool, error) {
	conn, err := l.session(ctx)
	if err != nil {
		return false, err
	}
	_, space := l.keys()
	t := int32(tick.Unix())
	if l.tick != nil && *l.tick != t {
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1::int, $2::int)", space, *l.tick); err != nil {
			return false, l.fail("release the previous tick's lock", err)
		}
		l.tick = nil
	}
	if l.tick != nil {
		return true, nil
	}
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1::int, $2::int)", space, t).Scan(&ok); err != nil {
		return false, l.fail("lock the tick", err)
	}
	if ok {
		l.tick = &t
	}
	return ok, nil
}

// lockJob takes the job lock; false when another run holds it.
func (l *lease) lockJob(ctx context.Context) (bool, error) {
	conn, err := l.session(ctx)
	if err != nil {
		return false, err
	}
	key, _ := l.keys()
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1::bigint)", key).Scan(&ok); err != nil {
		return false, l.fail("lock the job", err)
	}
	l.job = ok
	return ok, nil
}

// running reports whether a session holds the job lock, without taking
// it: status must not make a tick that comes meanwhile find the job busy.
// An advisory lock on a bigint shows in pg_locks as its high and low
// halves, objsubid 1, in the database the session is connected to.
func (l *lease) running(ctx context.Context) (bool, error) {
	conn, err := l.session(ctx)
	if err != nil {
		return false, err
	}
	key, _ := l.keys()
	var held bool
	err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 1)`,
		int64(uint64(key)>>32), int64(uint64(key)&0xffffffff)).Scan(&held)
	if err != nil {
		return false, l.fail("look for a run", err)
	}
	return held, nil
}

// held reports an error unless the job lock is still held: a run checks
// it before it swaps, since a lost session means another refresher may
// have started.
func (l *lease) held(ctx context.Context) error {
	if !l.job || l.conn == nil || l.conn.IsClosed() {
		return serverError(l.server, "keep the lease", errors.New("the lease's session was lost"))
	}
	if err := l.conn.Ping(ctx); err != nil {
		return l.fail("keep the lease", err)
	}
	return nil
}

// unlockJob lets the job lock go, keeping the tick lock.
func (l *lease) unlockJob(ctx context.Context) {
	if !l.job || l.conn == nil {
		return
	}
	key, _ := l.keys()
	if _, err := l.conn.Exec(ctx, "SELECT pg_advisory_unlock($1::bigint)", key); err != nil {
		l.close() // the session ends, and the locks with it
	}
	l.job = false
}

// fail drops a session that failed (its locks end with it).
func (l *lease) fail(op string, err error) error {
	l.close()
	return serverError(l.server, op, err)
}

func (l *lease) close() {
	if l.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		l.conn.Close(ctx)
		cancel()
	}
	l.conn, l.tick, l.job = nil, nil, false
}
