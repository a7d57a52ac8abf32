package refresher

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// connect opens a session on the database connString names.
func connect(ctx context.Context, connString, op string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, serverError(connString, op, errors.New("invalid connection string"))
	}
	cfg.RuntimeParams["application_name"] = "understudy refresher"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, serverError(connString, op, err)
	}
	return conn, nil
}

// cleanupTimeout bounds what a failed or interrupted run does to leave
// staging as it was: a SIGTERM must end the process within seconds.
const cleanupTimeout = 3 * time.Second

// cleanupContext outlives ctx's cancellation, briefly.
func cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
}

// database is a database's state: whether it exists and takes connections.
func database(ctx context.Context, conn *pgx.Conn, name string) (exists, allowConn bool, err error) {
	err = conn.QueryRow(ctx, "SELECT datallowconn FROM pg_database WHERE datname = $1", name).Scan(&allowConn)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, false, nil
	}
	return err == nil, allowConn, err
}

// dropDatabase drops name if it exists, disconnecting its sessions.
func dropDatabase(ctx context.Context, conn *pgx.Conn, name string) error {
	_, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(name)+" WITH (FORCE)")
	return err
}

// recover drops what an interrupted run left (a half-loaded __next) and
// opens staging again if a swap was interrupted after closing it; it
// reports what it did.
func recoverLeftovers(ctx context.Context, conn *pgx.Conn, j *Job) ([]string, error) {
	var did []string
	exists, _, err := database(ctx, conn, j.next())
	if err != nil {
		return nil, err
	}
	if exists {
		if err := dropDatabase(ctx, conn, j.next()); err != nil {
			return did, err
		}
		did = append(did, "dropped the leftover "+j.next())
	}
	exists, allow, err := database(ctx, conn, j.Target.Database)
	if err != nil {
		return did, err
	}
	if exists && !allow {
		if err := allowConnections(ctx, conn, j.Target.Database, true); err != nil {
			return did, err
		}
		did = append(did, "allowed connections to "+j.Target.Database+" again (an interrupted swap had closed it)")
	}
	// A rollback interrupted mid-swap leaves the copy it swapped in closed.
	prevs, err := copies(ctx, conn, j)
	if err != nil {
		return did, err
	}
	for _, p := range prevs {
		if _, allow, err := database(ctx, conn, p); err != nil {
			return did, err
		} else if !allow {
			if err := allowConnections(ctx, conn, p, true); err != nil {
				return did, err
			}
			did = append(did, "allowed connections to "+p+" again (an interrupted rollback had closed it)")
		}
	}
	return did, nil
}

func allowConnections(ctx context.Context, conn *pgx.Conn, name string, allow bool) error {
	_, err := conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s WITH ALLOW_CONNECTIONS %t", ident(name), allow))
	return err
}

// terminate ends every session on database name but this one, and waits
// (up to its deadline, or 10 s) until they are gone.
func terminate(ctx context.Context, conn *pgx.Conn, name string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		var left int // sessions signalled this round
		err := conn.QueryRow(ctx, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid)
			FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()) t`, name).Scan(&left)
		if err != nil || left == 0 {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sessions on %s did not end within 10 s of pg_terminate_backend", name)
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// swapIn makes database from the staging database, atomically: staging
// and from are closed to new sessions and emptied of theirs, then one
// transaction renames staging to retired (when there is a staging) and
// from to staging. A client sees the old copy or the new one, never a
// half-loaded one; one connected during the swap is disconnected. If it
// fails, staging is as it was.
func swapIn(ctx context.Context, conn *pgx.Conn, j *Job, from, retired string) (err error) {
	staging := j.Target.Database
	exists, _, err := database(ctx, conn, staging)
	if err != nil {
		return err
	}
	closed := []string{from}
	if exists {
		closed = append(closed, staging)
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		cctx, cancel := cleanupContext(ctx)
		defer cancel()
		for _, db := range closed {
			if aerr := allowConnections(cctx, conn, db, true); aerr != nil && err == nil {
				err = aerr
			}
		}
	}()
	for _, db := range closed {
		if err := allowConnections(ctx, conn, db, false); err != nil {
			return err
		}
		if err := terminate(ctx, conn, db); err != nil {
			return err
		}
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var stmts []string
	if exists {
		stmts = append(stmts, "ALTER DATABASE "+ident(staging)+" RENAME TO "+ident(retired),
			"ALTER DATABASE "+ident(retired)+" WITH ALLOW_CONNECTIONS true")
	}
	stmts = append(stmts, "ALTER DATABASE "+ident(from)+" RENAME TO "+ident(staging),
		"ALTER DATABASE "+ident(staging)+" WITH ALLOW_CONNECTIONS true")
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	committed = true
	return nil
}

// copies lists the previous copies of a job's staging database, newest
// first.
func copies(ctx context.Context, conn *pgx.Conn, j *Job) ([]string, error) {
	prefix := j.Target.Database + prevInfix
	rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE left(datname, length($1)) = $1", prefix)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	var prevs []string
	for _, n := range names {
		if _, ok := j.prevTime(n); ok {
			prevs = append(prevs, n)
		}
	}
	// The layout sorts as the time does.
	sort.Sort(sort.Reverse(sort.StringSlice(prevs)))
	return prevs, nil
}

// prune drops the previous copies beyond keep_previous, oldest first.
func prune(ctx context.Context, conn *pgx.Conn, j *Job) ([]string, error) {
	prevs, err := copies(ctx, conn, j)
	if err != nil || len(prevs) <= j.KeepPrevious {
		return nil, err
	}
	var dropped []string
	for _, p := range prevs[j.KeepPrevious:] {
		if err := dropDatabase(ctx, conn, p); err != nil {
			return dropped, err
		}
		dropped = append(dropped, p)
	}
	return dropped, nil
}

// retiredName is the name for the copy being replaced now: after every
// previous copy, so that the newest stays first even within one second.
func retiredName(j *Job, now time.Time, prevs []string) string {
	t := now.UTC().Truncate(time.Second)
	if len(prevs) > 0 {
		if newest, ok := j.prevTime(prevs[0]); ok && !t.After(newest) {
			t = newest.Add(time.Second)
		}
	}
	return j.prevName(t)
}

// literal quotes s as an SQL string whatever standard_conforming_strings
// is.
func literal(s string) string {
	return "E'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(s) + "'"
}

// currentReport reads the report kept on a job's staging database; nil
// when there is none (no staging yet, or not made by the refresher).
func currentReport(ctx context.Context, conn *pgx.Conn, db string) (*Report, error) {
	var comment *string
	err := conn.QueryRow(ctx, `SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1`, db).Scan(&comment)
	if errors.Is(err, pgx.ErrNoRows) || comment == nil {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return parseReport(*comment), nil
}
