package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"

	"github.com/understudy-db/understudy/dump"
)

// Error is a failure of an operation on a database. Its text names the
// database by host, port and name and never holds the password, even when
// the underlying error quotes the connection string.
type Error struct {
	Database string   // host:port/dbname
	Op       string   // what failed: "connect", "COPY public.users TO STDOUT", …
	Pos      dump.Pos // the entry or row concerned, when there is one
	Err      error
	secret   string
}

func (e *Error) Error() string {
	msg := e.Op + ": " + scrub(e.Err.Error(), e.secret)
	where := e.Pos.String()
	if e.Pos.Line > 0 && e.Pos.Row > 0 { // a plain script's COPY block: its line, then the row in it
		where += fmt.Sprintf(" (row %d)", e.Pos.Row)
	}
	switch {
	case e.Pos == (dump.Pos{}) || e.Pos == dump.Pos{File: e.Database}:
		return e.Database + ": " + msg
	case e.Pos.File == e.Database:
		return where + ": " + msg
	}
	// An entry of another dump failed here: where it came from, then
	// where it went.
	return where + ": " + e.Database + ": " + msg
}

func (e *Error) Unwrap() error { return e.Err }

// Position locates the error: the dump entry or table row concerned, or
// the database.
func (e *Error) Position() dump.Pos {
	if e.Pos == (dump.Pos{}) {
		return dump.Pos{File: e.Database}
	}
	return e.Pos
}

// scrub removes a password from a message, also in the percent-encoded
// forms a URL would hold.
func scrub(msg, secret string) string {
	if secret == "" {
		return msg
	}
	for _, s := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), url.UserPassword("", secret).String()[1:]} {
		msg = strings.ReplaceAll(msg, s, "xxxxx")
	}
	return msg
}

// ParseError is a connection string that cannot be parsed. It never quotes
// the string, which may hold a password.
type ParseError struct{ Reason string }

func (e *ParseError) Error() string { return "invalid connection string: " + e.Reason }

// quoted is a double-quoted piece of pgx's message, backslash escapes
// inside.
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// parseReason is the reason of pgx's parse error ("cannot parse `STRING`:
// REASON"), without the string, which pgx masks the password of on a
// best-effort basis only, and without the pieces of it the reason quotes
// (a password holding an '@', a '?' or a space is cut into hosts, keys and
// values that are quoted as such). When what is quoted cannot be told
// apart, nothing of the reason is kept.
func parseReason(msg string) string {
	const unclear = "cannot parse it"
	_, reason, ok := strings.Cut(msg, "`: ")
	if !ok {
		return unclear
	}
	reason = quoted.ReplaceAllStringFunc(reason, func(q string) string {
		if q == `"="` { // pgx's own: missing "=" after …
			return q
		}
		return "…"
	})
	if strings.ContainsAny(strings.ReplaceAll(reason, `"="`, ""), "`\"") {
		return unclear
	}
	return reason
}

// conninfo is a parsed connection string and what may be shown of it.
type conninfo struct {
	raw    string // as given: for pg_dump, with its password removed
	cfg    *pgx.ConnConfig
	name   string // host:port/dbname
	secret string
}

func parseConninfo(connString string) (*conninfo, error) {
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, &ParseError{Reason: parseReason(err.Error())}
	}
	// A cancelled context cancels the query on the server and, a second
	// later, drops the connection: a long COPY or CREATE INDEX stops
	// promptly either way.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: time.Second}
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "understudy"
	}
	return &conninfo{raw: connString, cfg: cfg, name: displayName(cfg.Host, cfg.Port, cfg.Database), secret: cfg.Password}, nil
}

func displayName(host string, port uint16, db string) string {
	return net.JoinHostPort(host, strconv.Itoa(int(port))) + "/" + db
}

// withDatabase is the same server with another database.
func (ci *conninfo) withDatabase(db string) *conninfo {
	c := *ci
	c.cfg = ci.cfg.Copy()
	c.cfg.Database = db
	c.name = displayName(c.cfg.Host, c.cfg.Port, db)
	return &c
}

func (ci *conninfo) wrap(op string, err error) error {
	return &Error{Database: ci.name, Op: op, Err: err, secret: ci.secret}
}

// connect opens a session with params set from its start, and without
// the server-side time limits written for applications: a run may take
// hours.
func (ci *conninfo) connect(ctx context.Context, params map[string]string) (*pgx.Conn, error) {
	cfg := ci.cfg.Copy()
	for k, v := range map[string]string{"statement_timeout": "0", "lock_timeout": "0", "idle_in_transaction_session_timeout": "0"} {
		cfg.RuntimeParams[k] = v
	}
	for k, v := range params {
		cfg.RuntimeParams[k] = v
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, ci.wrap("connect", err)
	}
	if serverMajor(conn) >= 17 { // transaction_timeout is new in 17
		if err := execSQL(ctx, conn, "SET transaction_timeout = 0"); err != nil {
			conn.Close(ctx)
			return nil, ci.wrap("connect", err)
		}
	}
	return conn, nil
}

// serverMajor is the major version the server reported at connection:
// server_version is "15.18 (Debian …)", "18beta1", ….
func serverMajor(conn *pgx.Conn) int {
	v := conn.PgConn().ParameterStatus("server_version")
	end := strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(v)
	}
	n, _ := strconv.Atoi(v[:end])
	return n
}

// execSQL runs sql, which may hold several statements, with the simple
// protocol: as psql would run a dump's text.
func execSQL(ctx context.Context, conn *pgx.Conn, sql string) error {
	_, err := conn.PgConn().Exec(ctx, sql).ReadAll()
	return err
}

// sqlState is the SQLSTATE of a server error, "" for other errors.
func sqlState(err error) string {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code
	}
	return ""
}

// ident quotes a schema-qualified name for SQL.
func ident(parts ...string) string { return pgx.Identifier(parts).Sanitize() }

// columnList is " (a, b, …)" for a COPY, or "" for every column (and for
// a table without columns, as pg_dump writes it).
func columnList(cols []string) string {
	if len(cols) == 0 {
		return ""
	}
	return " (" + selectList(cols) + ")"
}

// stripPassword removes the password from a libpq connection string (URL or
// keyword/value), so that pg_dump may get the rest on its command line and
// the password from its environment.
func stripPassword(conn string) (string, error) {
	for _, scheme := range []string{"postgresql://", "postgres://"} {
		if rest, ok := strings.CutPrefix(conn, scheme); ok {
			return scheme + stripURLPassword(rest), nil
		}
	}
	return stripKVPassword(conn)
}

// stripURLPassword handles what follows a URL's scheme: userinfo ends at
// the first '@' before any '/', as libpq reads it; a password may also be
// a query parameter.
func stripURLPassword(rest string) string {
	var b strings.Builder
	if i := strings.IndexAny(rest, "@/?"); i >= 0 && rest[i] == '@' {
		user, _, _ := strings.Cut(rest[:i], ":")
		b.WriteString(user + "@")
		rest = rest[i+1:]
	}
	base, query, hasQuery := strings.Cut(rest, "?")
	b.WriteString(base)
	if !hasQuery {
		return b.String()
	}
	var kept []string
	for _, kv := range strings.Split(query, "&") {
		k, _, _ := strings.Cut(kv, "=")
		if key, err := url.QueryUnescape(k); err == nil && key == "password" {
			continue
		}
		kept = append(kept, kv)
	}
	if len(kept) > 0 {
		b.WriteString("?" + strings.Join(kept, "&"))
	}
	return b.String()
}

// kvPair matches one keyword = value of a libpq keyword/value string: the
// value single-quoted (backslash escapes inside) or bare.
var kvPair = regexp.MustCompile(`\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*('(?:[^'\\]|\\.)*'|(?:[^\s'\\]|\\.)*)`)

func stripKVPassword(conn string) (string, error) {
	var kept []string
	for rest := strings.TrimSpace(conn); rest != ""; rest = strings.TrimSpace(rest) {
		m := kvPair.FindStringSubmatchIndex(rest)
		if m == nil || m[0] != 0 || m[1] == 0 {
			return "", &ParseError{Reason: "cannot read it as keyword=value pairs"}
		}
		if rest[m[2]:m[3]] != "password" {
			kept = append(kept, strings.TrimSpace(rest[:m[1]]))
		}
		rest = rest[m[1]:]
	}
	return strings.Join(kept, " "), nil
}

// Redact returns the name of the database a connection string names,
// host:port/dbname, for messages: never its password.
func Redact(connString string) string {
	ci, err := parseConninfo(connString)
	if err != nil {
		return "(an unparsable connection string)"
	}
	return ci.name
}
