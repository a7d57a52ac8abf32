package pgtest

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestStandby(t *testing.T) {
	ctx := context.Background()
	role := PasswordRole(t, AdminURL(t), "pgtest-secret")
	db := NewDatabase(t)
	primary := Connect(t, db)
	if _, err := primary.Exec(ctx, "CREATE TABLE marker (v text); INSERT INTO marker VALUES ('before')"); err != nil {
		t.Fatal(err)
	}
	standby := Standby(t)

	su, _ := url.Parse(standby)
	pu, _ := url.Parse(db)
	su.Path = pu.Path
	conn := Connect(t, su.String())
	var v string
	var recovery bool
	if err := conn.QueryRow(ctx, "SELECT v, pg_is_in_recovery() FROM marker").Scan(&v, &recovery); err != nil || v != "before" || !recovery {
		t.Fatalf("standby: %q, in recovery %v, %v", v, recovery, err)
	}

	// Rows written later arrive too: the standby streams.
	if _, err := primary.Exec(ctx, "INSERT INTO marker VALUES ('after')"); err != nil {
		t.Fatal(err)
	}
	wait, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if !waitReplayed(t, wait, Connect(t, AdminURL(t)), standby) {
		t.Fatal("not replayed")
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM marker").Scan(&n); err != nil || n != 2 {
		t.Fatalf("standby has %d rows (%v), want 2", n, err)
	}

	// Members of PasswordGroup need their password there.
	for pw, ok := range map[string]bool{"pgtest-secret": true, "wrong": false} {
		u := *su
		u.User = url.UserPassword(role, pw)
		c, err := pgx.Connect(ctx, u.String())
		if (err == nil) != ok {
			t.Errorf("password %q: %v", pw, err)
		}
		if c != nil {
			c.Close(ctx)
		}
	}
}
