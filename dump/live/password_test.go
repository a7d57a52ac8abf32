package live

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/internal/pgtest"
	"github.com/understudy-db/understudy/schema"
)

// TestPasswordNeverShown: no error carries the password of the connection
// string, whatever fails — parsing, authentication, a COPY cut off in the
// middle, a row the target refuses (whose value is not shown either).
func TestPasswordNeverShown(t *testing.T) {
	ctx := context.Background()
	canary := "CANARY" + randomHex(t)
	role := pgtest.PasswordRole(t, pgtest.AdminURL(t), canary)
	u := load(t, testDB{name: "pw", sql: "CREATE TABLE large AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 300000) g;" +
		"GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + ident(role) + "; ALTER ROLE " + ident(role) + " CREATEDB;"})
	standby := withDatabase(t, pgtest.Standby(t), dbName(t, u))
	as := func(base, password string) string {
		p, _ := url.Parse(base)
		p.User = url.UserPassword(role, password)
		return p.String()
	}
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error", what)
		}
		if strings.Contains(err.Error(), "CANARY") {
			t.Fatalf("%s: the password is in %q", what, err)
		}
		t.Logf("%s: %v", what, err)
	}

	sp, _ := url.Parse(standby)
	host, port, _ := net.SplitHostPort(sp.Host)
	wrong := canary + "wrong"
	_, err := Open(ctx, as(standby, wrong), SourceOptions{})
	check("wrong password, URL", err)
	_, err = Open(ctx, "host="+host+" port="+port+" dbname="+dbName(t, u)+" user="+role+" password='"+wrong+"'", SourceOptions{})
	check("wrong password, keyword/value", err)
	_, err = Create(ctx, as(withDatabase(t, standby, "elsewhere"), wrong), SinkOptions{})
	check("wrong password, sink", err)
	_, err = Open(ctx, "postgres://"+role+":"+canary+"@"+host+":badport/db", SourceOptions{})
	check("unparseable URL", err)
	_, err = Open(ctx, "host=x password='"+canary+" port=1", SourceOptions{})
	check("unparseable keyword/value", err)

	// The right password: pg_dump gets it too (the standby wants it), and
	// a COPY whose backend dies fails without it.
	src, err := Open(ctx, as(standby, canary), SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	inv, err := src.Inventory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var large *dump.Entry
	for _, e := range inv.Entries {
		if e.Desc == dump.TableData {
			large = e
		}
	}
	r, err := src.Open(ctx, large)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(r, make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	admin := pgtest.Connect(t, standby)
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND query LIKE 'COPY%'", role); err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(io.Discard, onlyReader{r})
	r.Close()
	check("COPY cut off", err)

	// A sink whose URL holds the password: a refused row names its line
	// and column, not its value.
	sink, err := Create(ctx, as(withDatabase(t, u, newName(t)), canary), SinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Abort(ctx)
	if err := sink.Entry(ctx, &dump.Entry{Section: dump.PreData, Desc: "TABLE", Defn: []byte("CREATE TABLE public.t (n int, s text);")}); err != nil {
		t.Fatal(err)
	}
	w, err := sink.Data(ctx, &dump.Entry{Section: dump.Data, Desc: dump.TableData, Format: dump.CopyText,
		Table: schema.QName{Schema: "public", Name: "t"}, Columns: []string{"n", "s"}, Pos: dump.Pos{File: "in.sql", Line: 7}})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("1\ta\nSECRETVALUE\tb\n3\tc\n"))
	err = w.Close()
	check("refused row", err)
	var re *RowError
	var le *Error
	if !errors.As(err, &re) || re.Column != "n" || re.Code != "22P02" || !errors.As(err, &le) || le.Position().Row != 2 || strings.Contains(err.Error(), "SECRETVALUE") {
		t.Fatalf("refused row: %v", err)
	}
}

func TestStripPassword(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:s3cret@h:5432/db?sslmode=require":                 "postgres://u@h:5432/db?sslmode=require",
		"postgresql://u:s3cret@h1:5432,h2:5433/db":                      "postgresql://u@h1:5432,h2:5433/db",
		"postgres://u@h/db?password=s3cret&application_name=x":          "postgres://u@h/db?application_name=x",
		"postgres://u@h/db?pass%77ord=s3cret":                           "postgres://u@h/db",
		"postgres://h/db":                                               "postgres://h/db",
		"host=h port=5432 password=s3cret dbname=db":                    "host=h port=5432 dbname=db",
		"host=h password = 's3 cr\\'et' user='a b'":                     "host=h user='a b'",
		"password=s3cret":                                               "",
		"":                                                              "",
		"host=h options='-c search_path=x' password=s3cret sslmode=off": "host=h options='-c search_path=x' sslmode=off",
	} {
		got, err := stripPassword(in)
		if err != nil || got != want {
			t.Errorf("%q: %q (%v), want %q", in, got, err, want)
		}
	}
	if _, err := stripPassword("host=h password='s3cret"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("unterminated quote: %v", err)
	}
}

// TestParseErrorQuotesNoPiece: pgx's reason for refusing a connection
// string quotes pieces of it, which a password holding an '@', a '?' or a
// space is cut into; the error keeps the reason without them.
func TestParseErrorQuotesNoPiece(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:pw@h:badport/db":              "invalid port",
		"postgres://u:SE@CRET/x?PIECE@h:5432/db":    `missing key/value separator "=" in URI query parameter: …`,
		"postgres://u:SE@CRET/x?PI\"ECE@h:5432/db":  "cannot parse it",
		"postgres://u:SE@CRET/x?PI`: ECE@h:5432/db": "missing key/value separator",
		"host=h password=SECRET PIECE dbname=db":    `missing "=" after … in connection info string`,
		"host=h password=SECRET P\"IE\"CE x=1":      `missing "=" after … in connection info string`,
		"host=h password=SE\"CRET PI\"ECE":          "invalid keyword/value",
		"host=h password='SECRET PIECE port=1":      "unterminated quoted string",
	} {
		_, err := parseConninfo(in)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if strings.Contains(err.Error(), "PIECE") || strings.Contains(err.Error(), "CRET") || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %q, want it to say %q", in, err, want)
		}
	}
}
