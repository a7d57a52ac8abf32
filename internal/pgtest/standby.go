package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PasswordGroup is the role whose members must give their password to
// connect to a standby started by Standby. The test server itself trusts
// every connection, so a wrong password can only fail there.
const PasswordGroup = "pgtest_password"

// Standby starts a hot standby of the test server (pg_basebackup -R into a
// temporary directory, on a free port), waits until it accepts connections
// and has replayed WAL written on the server after the backup, and returns
// its admin URL. The standby is stopped and deleted when the test ends.
// Members of PasswordGroup authenticate on it with SCRAM; everyone else is
// trusted, as on the test server. Tests skip (fail under CI) when no
// standby can be made: binaries of the server's major version missing, or
// replication not allowed.
func Standby(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	primary := Connect(t, admin)
	var major int
	if err := primary.QueryRow(ctx, "SELECT current_setting('server_version_num')::int / 10000").Scan(&major); err != nil {
		t.Fatalf("standby: server version: %v", err)
	}
	bin, err := serverBin(major)
	if err != nil {
		unavailable(t, "standby: %v", err)
	}

	// A hot standby refuses to start with less of these than its primary.
	rows, err := primary.Query(ctx, `SELECT name, setting FROM pg_settings
		WHERE name IN ('max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction')`)
	if err != nil {
		t.Fatalf("standby: primary settings: %v", err)
	}
	var opts []string
	for rows.Next() {
		var name, setting string
		if err := rows.Scan(&name, &setting); err != nil {
			t.Fatal(err)
		}
		opts = append(opts, "-c", name+"="+setting)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("standby: primary settings: %v", err)
	}

	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	dir, asOwner := ownedTempDir(t)
	data := filepath.Join(dir, "data")
	// A replication slot keeps the WAL the standby needs from being
	// recycled by checkpoints (other tests create and drop databases)
	// before it connects.
	slot := "pgtest_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	backup := slices.Concat(asOwner, []string{filepath.Join(bin, "pg_basebackup"), "-h", u.Hostname(), "-p", u.Port(),
		"-U", u.User.Username(), "-D", data, "-R", "-X", "stream", "-C", "-S", slot, "-c", "fast", "-w"})
	if out, err := run(ctx, backup); err != nil {
		unavailable(t, "standby: pg_basebackup: %v\n%s", err, out)
	}
	t.Cleanup(func() { // after the standby stops (cleanups run last in, first out)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := primary.Exec(ctx, "SELECT pg_drop_replication_slot($1)", slot); err != nil {
			t.Errorf("standby: drop replication slot: %v", err)
		}
	})
	// The primary's pg_hba.conf came with the backup (or not, when it lives
	// outside the data directory): the standby gets its own.
	hba := "local all all trust\n" +
		"host all +" + PasswordGroup + " 127.0.0.1/32 scram-sha-256\n" +
		"host all +" + PasswordGroup + " ::1/128 scram-sha-256\n" +
		"host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n"
	if err := os.WriteFile(filepath.Join(data, "pg_hba.conf"), []byte(hba), 0o600); err != nil {
		t.Fatal(err)
	}
	if len(asOwner) > 0 {
		chownToPostgres(t, filepath.Join(data, "pg_hba.conf"))
	}

	var port string
	started := false
	for range 5 {
		port = freePort(t)
		settings := strings.Join(slices.Concat(opts, []string{"-p", port, "-k", dir, "-c", "listen_addresses=127.0.0.1",
			"-c", "hba_file=" + filepath.Join(data, "pg_hba.conf"), "-c", "hot_standby=on", "-c", "fsync=off"}), " ")
		start := slices.Concat(asOwner, []string{filepath.Join(bin, "pg_ctl"), "-D", data, "-l", filepath.Join(dir, "standby.log"),
			"-w", "-t", "60", "-o", settings, "start"})
		if _, err := run(ctx, start); err == nil {
			started = true
			break
		}
	}
	if !started {
		log, _ := os.ReadFile(filepath.Join(dir, "standby.log"))
		t.Fatalf("standby: pg_ctl start failed; log:\n%s", log)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		stop := slices.Concat(asOwner, []string{filepath.Join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"})
		if out, err := run(ctx, stop); err != nil {
			t.Errorf("standby: pg_ctl stop: %v\n%s", err, out)
		}
	})

	su := *u
	su.Host = net.JoinHostPort("127.0.0.1", port)
	standby := su.String()
	if !waitReplayed(t, ctx, primary, standby) {
		log, _ := os.ReadFile(filepath.Join(dir, "standby.log"))
		t.Fatalf("standby: the primary's WAL was not replayed in time; log:\n%s", log)
	}
	return standby
}

// waitReplayed writes a WAL record on the primary after the backup and
// waits until the standby has replayed it: streaming works and everything
// committed before the call is visible on the standby. It reports false
// when ctx ends first.
func waitReplayed(t testing.TB, ctx context.Context, primary *pgx.Conn, standbyURL string) bool {
	t.Helper()
	// A commit that waits for its WAL to reach disk: the walsender only
	// streams flushed WAL, and the test server commits asynchronously.
	if _, err := primary.Exec(ctx, "BEGIN; SET LOCAL synchronous_commit = on; "+
		"SELECT pg_logical_emit_message(true, 'pgtest', 'standby'); COMMIT"); err != nil {
		t.Fatalf("standby: write WAL on the primary: %v", err)
	}
	var lsn string
	if err := primary.QueryRow(ctx, "SELECT pg_current_wal_flush_lsn()::text").Scan(&lsn); err != nil {
		t.Fatalf("standby: WAL position of the primary: %v", err)
	}
	conn := Connect(t, standbyURL)
	for {
		var replayed bool
		err := conn.QueryRow(ctx, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", lsn).Scan(&replayed)
		if ctx.Err() != nil {
			return false
		}
		if err != nil {
			t.Fatalf("standby: replay position: %v", err)
		}
		if replayed {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// PasswordRole creates a LOGIN role with password, a member of
// PasswordGroup, on the server at adminURL, and returns its name. The role
// is dropped when the test ends, so create it before databases that grant
// it privileges (cleanups run last in, first out).
func PasswordRole(t testing.TB, adminURL, password string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := Connect(t, adminURL)
	// Concurrent test binaries may race to create the group.
	if _, err := conn.Exec(ctx, `DO $$ BEGIN CREATE ROLE `+pgx.Identifier{PasswordGroup}.Sanitize()+` NOLOGIN;
		EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`); err != nil {
		t.Fatalf("create %s: %v", PasswordGroup, err)
	}
	name := "pgtest_role_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	lit, err := conn.PgConn().EscapeString(password)
	if err != nil {
		t.Fatal(err)
	}
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE ROLE "+ident+" LOGIN PASSWORD '"+lit+"' IN ROLE "+pgx.Identifier{PasswordGroup}.Sanitize()); err != nil {
		t.Fatalf("create role: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, adminURL)
		if err != nil {
			t.Errorf("connect to drop role: %v", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP ROLE IF EXISTS "+ident); err != nil {
			t.Errorf("drop role: %v", err)
		}
	})
	return name
}

// serverBin finds the bin directory of PostgreSQL's major version: the
// directory of pg_ctl on PATH, then /usr/lib/postgresql/MAJOR/bin.
func serverBin(major int) (string, error) {
	var looked []string
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		looked = append(looked, filepath.Dir(p))
	}
	looked = append(looked, filepath.Join("/usr/lib/postgresql", strconv.Itoa(major), "bin"))
	for _, dir := range looked {
		out, err := exec.Command(filepath.Join(dir, "postgres"), "--version").Output()
		if err != nil {
			continue
		}
		// "postgres (PostgreSQL) 15.18 (Debian …)"
		f := strings.Fields(string(out))
		if len(f) >= 3 && strings.SplitN(f[2], ".", 2)[0] == strconv.Itoa(major) {
			if _, err := os.Stat(filepath.Join(dir, "pg_basebackup")); err == nil {
				return dir, nil
			}
		}
	}
	return "", fmt.Errorf("no PostgreSQL %d server binaries (postgres, pg_ctl, pg_basebackup) in %s", major, strings.Join(looked, ", "))
}

// ownedTempDir makes a temporary directory for a cluster and returns it
// with the command prefix that runs programs as its owner: as root, the
// postgres OS user, because initdb and postgres refuse to run as root.
func ownedTempDir(t testing.TB) (string, []string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "pgtest-standby-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() != 0 {
		return dir, nil
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	chownToPostgres(t, dir)
	return dir, []string{"runuser", "-u", "postgres", "--"}
}

func chownToPostgres(t testing.TB, path string) {
	t.Helper()
	u, err := user.Lookup("postgres")
	if err != nil {
		unavailable(t, "standby: running as root without a postgres OS user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		t.Fatal(err)
	}
}

func run(ctx context.Context, argv []string) ([]byte, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// unavailable skips the test, or fails it under CI, where every part of
// the harness must work.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}
