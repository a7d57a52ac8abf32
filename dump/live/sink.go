package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/plaindump"
	"github.com/understudy-db/understudy/schema"
)

// SinkOptions configure a live sink.
type SinkOptions struct {
	// Jobs is how many sessions load tables and build indexes and
	// constraints at once (Parallel); 1 when less.
	Jobs int
	// Clean drops a target database that holds objects and creates it
	// anew; without it such a target is refused.
	Clean bool
	// Source is the identity of the database being copied, when it is a
	// live one: a target that is the same database is refused.
	Source *Identity
	// Locale is the new database's encoding and collation (the source's,
	// from Source.Locale); empty fields take template0's.
	Locale Locale
	// MaintenanceWorkMem is maintenance_work_mem for every session (index
	// builds, FK validation): Jobs sessions may use it at once. "" is
	// DefaultMaintenanceWorkMem.
	MaintenanceWorkMem string
}

// DefaultMaintenanceWorkMem is the maintenance_work_mem of a sink's
// sessions unless SinkOptions says otherwise.
const DefaultMaintenanceWorkMem = "256MB"

// Sink is an empty database loaded like pg_restore -j would: DDL in order
// on one session, each table's rows by COPY … FROM STDIN on a pool of
// sessions, indexes and constraints in parallel after the data, then
// ANALYZE.
type Sink struct {
	ci      *conninfo
	opts    SinkOptions
	created bool // by this run: Abort drops it
	version int  // the server's major version

	main  *session
	slots chan struct{} // one per pooled session that may be busy
	idle  chan *session

	state *dump.Settings // after the last entry given to Entry
	batch []*pending
	fk    bool // the batch holds FK constraints

	mu     sync.Mutex            // guards state and loaded
	loaded map[schema.QName]bool // tables that have had data: truncated only the first time

	loads sync.WaitGroup
	stop  context.Context // cancelled by Abort: stops every load
	abort context.CancelFunc
	done  bool

	aborting sync.Once
	abortErr error
}

// session is a connection to the target with the dump's settings it has.
type session struct {
	conn  *pgx.Conn
	state *dump.Settings
}

// pending is a post-data entry waiting for its batch to run, with the
// settings before and after it.
type pending struct {
	e             *dump.Entry
	before, after *dump.Settings
}

// NotEmptyError is a target database that already holds objects, refused
// without SinkOptions.Clean.
type NotEmptyError struct {
	Database string
	Object   string // one of them, as pg_describe_object names it
}

func (e *NotEmptyError) Error() string {
	return fmt.Sprintf("%s: the target database is not empty (it holds %s): choose an empty or new database, or replace it with --clean", e.Database, e.Object)
}

// SameDatabaseError is a target that is the source database.
type SameDatabaseError struct {
	Database string
	Source   Identity
}

func (e *SameDatabaseError) Error() string {
	return fmt.Sprintf("%s: the target is the source database (%s, system %d): refusing to write to it", e.Database, e.Source.Database, e.Source.SystemID)
}

// CreateError is a CREATE DATABASE the role may not run.
type CreateError struct {
	Database, User string
	Err            error
}

func (e *CreateError) Error() string {
	return fmt.Sprintf("%s: cannot create the target database: role %q needs the CREATEDB privilege (ALTER ROLE %s CREATEDB), or create the database, empty, beforehand: %v",
		e.Database, e.User, ident(e.User), e.Err)
}

func (e *CreateError) Unwrap() error { return e.Err }

// Create prepares the database named in connString as a target: it
// creates it (TEMPLATE template0) when it does not exist, uses it when it
// exists and is empty, and drops and recreates it when it holds objects
// and opts.Clean is set. A target that is opts.Source is refused before
// anything is written.
func Create(ctx context.Context, connString string, opts SinkOptions) (*Sink, error) {
	s, err := sinkFor(connString, opts)
	if err != nil {
		return nil, err
	}
	if err := s.prepare(ctx, false); err != nil {
		return nil, err
	}
	conn, err := s.connect(ctx)
	if err != nil {
		s.Abort(ctx)
		return nil, err
	}
	s.main = &session{conn: conn, state: dump.NoSettings}
	return s, nil
}

func sinkFor(connString string, opts SinkOptions) (*Sink, error) {
	ci, err := parseConninfo(connString)
	if err != nil {
		return nil, err
	}
	opts.Jobs = max(opts.Jobs, 1)
	if opts.MaintenanceWorkMem == "" {
		opts.MaintenanceWorkMem = DefaultMaintenanceWorkMem
	}
	s := &Sink{ci: ci, opts: opts, slots: make(chan struct{}, opts.Jobs), idle: make(chan *session, opts.Jobs),
		state: dump.NoSettings, loaded: map[schema.QName]bool{}}
	s.stop, s.abort = context.WithCancel(context.Background())
	return s, nil
}

// Check runs Create's refusals without writing anything: the target is
// reachable, is not opts.Source, and is empty unless opts.Clean. A caller
// runs it before a long read, so that a wrong target fails at once.
func Check(ctx context.Context, connString string, opts SinkOptions) error {
	s, err := sinkFor(connString, opts)
	if err != nil {
		return err
	}
	return s.prepare(ctx, true)
}

// prepare makes sure the target exists and is empty; check only looks.
func (s *Sink) prepare(ctx context.Context, check bool) error {
	target := s.ci.cfg.Database
	conn, err := pgx.ConnectConfig(ctx, s.ci.cfg)
	exists := err == nil
	if err != nil && sqlState(err) != "3D000" { // invalid_catalog_name: no such database
		return s.ci.wrap("connect", err)
	}
	if !exists {
		if conn, err = s.maintenance(ctx); err != nil {
			return err
		}
	}
	defer func() { conn.Close(ctx) }()
	id, err := readIdentity(ctx, conn)
	if err != nil {
		return s.ci.wrap("read the server's identity", err)
	}
	if !exists {
		id.Database, id.DatabaseOID = target, 0
	}
	if src := s.opts.Source; src != nil && src.SameDatabase(id) {
		return &SameDatabaseError{Database: s.ci.name, Source: *src}
	}
	s.version = serverMajor(conn)
	if exists {
		var object string
		err := conn.QueryRow(ctx, userObject).Scan(&object)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // empty: used as it is
		}
		if err != nil {
			return s.ci.wrap("look for objects in the target", err)
		}
		if !s.opts.Clean {
			return &NotEmptyError{Database: s.ci.name, Object: object}
		}
		if check {
			return nil
		}
		m, err := s.maintenance(ctx)
		if err != nil {
			return err
		}
		conn.Close(ctx)
		conn = m
		if err := s.drop(ctx, conn); err != nil {
			return err
		}
	}
	if check {
		return nil
	}
	create := "CREATE DATABASE " + ident(target) + " TEMPLATE template0"
	l := s.opts.Locale
	for _, o := range []struct{ option, value string }{
		{"ENCODING", l.Encoding}, {"LC_COLLATE", l.Collate}, {"LC_CTYPE", l.Ctype},
		{"LOCALE_PROVIDER", map[string]string{"icu": "icu", "builtin": "builtin"}[l.Provider]},
		{map[string]string{"icu": "ICU_LOCALE", "builtin": "BUILTIN_LOCALE"}[l.Provider], l.ProviderLocale},
	} {
		if o.option != "" && o.value != "" {
			create += " " + o.option + " " + schema.QuoteLiteral(o.value)
		}
	}
	if err := execSQL(ctx, conn, create); err != nil {
		if sqlState(err) == "42501" { // insufficient_privilege
			return &CreateError{Database: s.ci.name, User: s.ci.cfg.User, Err: err}
		}
		return s.ci.wrap("create the database", err)
	}
	s.created = true
	return nil
}

// userObject names one object a fresh database from template0 does not
// have: everything initdb creates has an OID below 16384
// (FirstNormalObjectId).
const userObject = `SELECT pg_catalog.pg_describe_object(classid, objid, 0) FROM (
	SELECT 'pg_catalog.pg_namespace'::regclass AS classid, oid AS objid FROM pg_catalog.pg_namespace WHERE oid >= 16384
	UNION ALL SELECT 'pg_catalog.pg_class'::regclass, oid FROM pg_catalog.pg_class WHERE oid >= 16384
	UNION ALL SELECT 'pg_catalog.pg_proc'::regclass, oid FROM pg_catalog.pg_proc WHERE oid >= 16384
	UNION ALL SELECT 'pg_catalog.pg_type'::regclass, oid FROM pg_catalog.pg_type WHERE oid >= 16384
	UNION ALL SELECT 'pg_catalog.pg_extension'::regclass, oid FROM pg_catalog.pg_extension WHERE oid >= 16384
	UNION ALL SELECT 'pg_catalog.pg_largeobject_metadata'::regclass, oid FROM pg_catalog.pg_largeobject_metadata
	UNION ALL SELECT 'pg_catalog.pg_event_trigger'::regclass, oid FROM pg_catalog.pg_event_trigger
	UNION ALL SELECT 'pg_catalog.pg_publication'::regclass, oid FROM pg_catalog.pg_publication
	UNION ALL SELECT 'pg_catalog.pg_foreign_data_wrapper'::regclass, oid FROM pg_catalog.pg_foreign_data_wrapper WHERE oid >= 16384
	UNION ALL SELECT 'pg_catalog.pg_foreign_server'::regclass, oid FROM pg_catalog.pg_foreign_server
	UNION ALL SELECT 'pg_catalog.pg_collation'::regclass, oid FROM pg_catalog.pg_collation WHERE oid >= 16384
	UNION ALL SELECT 'pg_catalog.pg_operator'::regclass, oid FROM pg_catalog.pg_operator WHERE oid >= 16384
	UNION ALL SELECT 'pg_catalog.pg_cast'::regclass, oid FROM pg_catalog.pg_cast WHERE oid >= 16384
	UNION ALL SELECT 'pg_catalog.pg_ts_config'::regclass, oid FROM pg_catalog.pg_ts_config WHERE oid >= 16384
) o LIMIT 1`

// maintenance connects to the target's server without the target: to
// the postgres database, else template1.
func (s *Sink) maintenance(ctx context.Context) (*pgx.Conn, error) {
	var err error
	for _, db := range []string{"postgres", "template1"} {
		var conn *pgx.Conn
		if conn, err = pgx.ConnectConfig(ctx, s.ci.withDatabase(db).cfg); err == nil {
			return conn, nil
		}
	}
	return nil, s.ci.wrap("connect to the server (databases postgres and template1)", err)
}

// drop drops the target database, disconnecting its sessions (PostgreSQL
// 13 and later).
func (s *Sink) drop(ctx context.Context, conn *pgx.Conn) error {
	sql := "DROP DATABASE IF EXISTS " + ident(s.ci.cfg.Database)
	if s.version >= 13 {
		sql += " WITH (FORCE)"
	}
	if err := execSQL(ctx, conn, sql); err != nil {
		return s.ci.wrap("drop the database", err)
	}
	return nil
}

// connect opens a session on the target, set up to load fast: a commit
// does not wait for its WAL to reach disk (a crash fails the run, which
// starts over on a fresh database anyway), and index builds and FK checks
// get more memory.
func (s *Sink) connect(ctx context.Context) (*pgx.Conn, error) {
	return s.ci.connect(ctx, map[string]string{
		"synchronous_commit": "off", "maintenance_work_mem": s.opts.MaintenanceWorkMem})
}

// Parallel is how many tables may load at once.
func (s *Sink) Parallel() int { return s.opts.Jobs }

// acquire returns a pooled session: an idle one, or a new one while fewer
// than Jobs exist.
func (s *Sink) acquire(ctx context.Context) (*session, error) {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
	select {
	case sess := <-s.idle:
		return sess, nil
	default:
	}
	conn, err := s.connect(ctx)
	if err != nil {
		<-s.slots
		return nil, err
	}
	return &session{conn: conn, state: dump.NoSettings}, nil
}

// release gives a session back, or drops it if its connection broke or
// it was left inside a transaction.
func (s *Sink) release(sess *session) {
	if sess.conn.IsClosed() || sess.conn.PgConn().TxStatus() != 'I' {
		sess.conn.Close(context.Background())
	} else {
		s.idle <- sess
	}
	<-s.slots
}

// run runs an entry's statements on sess in the settings before it.
func (s *Sink) run(ctx context.Context, sess *session, e *dump.Entry, before, after *dump.Settings) error {
	if err := s.sync(ctx, sess, before); err != nil {
		return err
	}
	if err := execSQL(ctx, sess.conn, string(e.Defn)); err != nil {
		return &Error{Database: s.ci.name, Op: "run " + describe(e), Pos: e.Pos, Err: err, secret: s.ci.secret}
	}
	sess.state = after
	return nil
}

func describe(e *dump.Entry) string {
	if e.Desc == "" {
		return "statements"
	}
	return e.Desc + " entry"
}

// sync gives sess the settings st.
func (s *Sink) sync(ctx context.Context, sess *session, st *dump.Settings) error {
	if sess.state == st {
		return nil
	}
	if err := execSQL(ctx, sess.conn, st.SQL()); err != nil {
		return s.ci.wrap("apply the dump's session settings", err)
	}
	sess.state = st
	return nil
}

// batched says which post-data entries run in parallel with their
// neighbours: indexes and constraints other than foreign keys, which only
// lock their own table, in one kind of batch; foreign keys, which need the
// keys they reference, in batches of their own.
func batched(e *dump.Entry) (ok, fk bool) {
	if e.Section != dump.PostData {
		return false, false
	}
	switch e.Desc {
	case "INDEX", "CONSTRAINT", "CHECK CONSTRAINT":
		return true, false
	case "FK CONSTRAINT":
		return true, true
	}
	return false, false
}

// Entry runs a non-data entry. Meta-commands and entries that create or
// alter a database are skipped. Consecutive post-data indexes and
// constraints are batched and run in parallel when something else comes
// (or on Commit); everything else runs in order on the main session.
func (s *Sink) Entry(ctx context.Context, e *dump.Entry) error {
	switch {
	case e.IsData():
		return &Error{Database: s.ci.name, Op: "run " + describe(e), Pos: e.Pos, Err: errors.New("data entries go to Data")}
	case e.Desc == metaDesc || e.Desc == "DATABASE" || e.Desc == "DATABASE PROPERTIES":
		return nil
	}
	s.mu.Lock() // Data reads the settings from other goroutines
	before := s.state
	after, err := before.After(e.Defn)
	if err == nil {
		s.state = after
	}
	s.mu.Unlock()
	if err != nil {
		return &Error{Database: s.ci.name, Op: "read " + describe(e), Pos: e.Pos, Err: err}
	}
	if ok, fk := batched(e); ok {
		if len(s.batch) > 0 && s.fk != fk {
			if err := s.flush(ctx); err != nil {
				return err
			}
		}
		s.batch, s.fk = append(s.batch, &pending{e: e, before: before, after: after}), fk
		return nil
	}
	if err := s.flush(ctx); err != nil {
		return err
	}
	if e.Desc == dump.SequenceSet && e.Set != nil {
		_, err := s.main.conn.Exec(ctx, "SELECT pg_catalog.setval($1::regclass, $2, $3)",
			ident(e.Table.Schema, e.Table.Name), e.Set.Value, e.Set.Called)
		if err != nil {
			return &Error{Database: s.ci.name, Op: "set sequence " + e.Table.String(), Pos: e.Pos, Err: err, secret: s.ci.secret}
		}
		return nil
	}
	return s.run(ctx, s.main, e, before, after)
}

// deadlock is SQLSTATE deadlock_detected: two constraints of a batch that
// lock the same tables in opposite orders (a foreign key each way).
const deadlock = "40P01"

// flush runs the pending batch on up to Jobs sessions. An entry that lost
// a deadlock (and was rolled back) runs again after the others, alone.
func (s *Sink) flush(ctx context.Context) error {
	batch := s.batch
	s.batch = nil
	var mu sync.Mutex
	var again []*pending
	err := s.parallel(ctx, len(batch), func(ctx context.Context, sess *session, i int) error {
		p := batch[i]
		err := s.run(ctx, sess, p.e, p.before, p.after)
		if sqlState(err) == deadlock {
			mu.Lock()
			again = append(again, p)
			mu.Unlock()
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	return s.parallel(ctx, min(len(again), 1), func(ctx context.Context, sess *session, _ int) error {
		for _, p := range again {
			if err := s.run(ctx, sess, p.e, p.before, p.after); err != nil {
				return err
			}
		}
		return nil
	})
}

// Data returns the writer for a TABLE DATA entry's COPY text. On a pooled
// session, in one transaction, the first entry of an empty table runs
// TRUNCATE ONLY and COPY … WITH (FREEZE) (FREEZE needs the table created
// or truncated in the same transaction): rows are written frozen and
// visible to all, so the copy needs no VACUUM and its first reads set no
// hint bits. A partitioned table (rows routed to partitions), a table
// another one references by a foreign key (TRUNCATE refuses it), a table
// that already has rows and a table's later entries (ctid ranges) get a
// plain COPY. Close returns the COPY's error; the writer also has
// CloseWithError, which abandons the table (rolled back).
func (s *Sink) Data(ctx context.Context, e *dump.Entry) (io.WriteCloser, error) {
	if !e.IsData() || (e.Desc == dump.Blobs && e.Format != dump.SQL) {
		return nil, &Error{Database: s.ci.name, Op: "load " + describe(e), Pos: e.Pos,
			Err: errors.New("not a data entry, or a large-object entry in COPY format")}
	}
	sess, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	first := !s.loaded[e.Table]
	s.loaded[e.Table] = true
	state := s.state
	s.mu.Unlock()

	ctx, cancel := context.WithCancelCause(ctx)
	stopAbort := context.AfterFunc(s.stop, func() { cancel(errors.New("sink aborted")) })
	pr, pw := io.Pipe()
	// CopyFrom reads the pipe on a goroutine of its own that a cancelled
	// context does not reach: closing the pipe does, both ways.
	stopPipe := context.AfterFunc(ctx, func() {
		pw.CloseWithError(context.Cause(ctx))
		pr.CloseWithError(context.Cause(ctx))
	})
	w := &tableWriter{pw: pw, done: make(chan error, 1)}
	s.loads.Add(1)
	go func() {
		defer s.loads.Done()
		var err error
		if e.Format == dump.SQL {
			err = s.exec(ctx, sess, e, state, pr)
		} else {
			err = s.load(ctx, sess, e, state, first, pr)
		}
		stopPipe()
		stopAbort()
		cancel(nil)
		pr.CloseWithError(err) // nil: the writer's next Write fails with io.ErrClosedPipe
		s.release(sess)
		w.done <- err
	}()
	return w, nil
}

func (s *Sink) load(ctx context.Context, sess *session, e *dump.Entry, st *dump.Settings, first bool, r io.Reader) error {
	if err := s.sync(ctx, sess, st); err != nil {
		return err
	}
	name := ident(e.Table.Schema, e.Table.Name)
	op := "COPY " + e.Table.String() + " FROM STDIN"
	fail := func(err error) error {
		rollback(sess)
		return s.copyError(op, e, err)
	}
	if err := execSQL(ctx, sess.conn, "BEGIN"); err != nil {
		return fail(err)
	}
	freeze := false
	if first {
		var kind string
		var referenced bool
		err := sess.conn.QueryRow(ctx, `SELECT c.relkind::text, EXISTS (SELECT FROM pg_catalog.pg_constraint k WHERE k.confrelid = c.oid)
			FROM pg_catalog.pg_class c WHERE c.oid = $1::regclass`, name).Scan(&kind, &referenced)
		if err != nil {
			return fail(err)
		}
		if kind == "r" && !referenced {
			// Locked before looking, so that rows another load routes
			// through a partitioned parent are seen, not truncated.
			err := execSQL(ctx, sess.conn, "LOCK TABLE ONLY "+name+" IN ACCESS EXCLUSIVE MODE")
			if err == nil {
				err = sess.conn.QueryRow(ctx, "SELECT NOT EXISTS (SELECT FROM ONLY "+name+")").Scan(&freeze)
			}
			if err == nil && freeze {
				err = execSQL(ctx, sess.conn, "TRUNCATE ONLY "+name)
			}
			if err != nil {
				return fail(err)
			}
		}
	}
	sql := "COPY " + name + columnList(e.Columns) + " FROM STDIN"
	if freeze {
		sql += " WITH (FREEZE)"
	}
	if _, err := sess.conn.PgConn().CopyFrom(ctx, r, sql); err != nil {
		return fail(err)
	}
	if err := execSQL(ctx, sess.conn, "COMMIT"); err != nil {
		return fail(err)
	}
	return nil
}

// execBatch is how much SQL data exec sends in one round trip.
const execBatch = 4 << 20

// exec runs a data entry written as SQL (INSERT statements, large objects'
// lo_create/lowrite) in one transaction, in batches of whole statements.
func (s *Sink) exec(ctx context.Context, sess *session, e *dump.Entry, st *dump.Settings, r io.Reader) error {
	if err := s.sync(ctx, sess, st); err != nil {
		return err
	}
	op := "run " + describe(e)
	if e.Desc == dump.TableData {
		op = "INSERT INTO " + e.Table.String()
	}
	fail := func(pos dump.Pos, err error) error {
		rollback(sess)
		if pg := dataError(err); pg != nil {
			err = newRowError(pg, e.Columns) // the message may quote a value
		}
		return &Error{Database: s.ci.name, Op: op, Pos: pos, Err: err, secret: s.ci.secret}
	}
	if err := execSQL(ctx, sess.conn, "BEGIN"); err != nil {
		return fail(e.Pos, err)
	}
	rd, err := dump.ReadFragment(r, e.Pos.File)
	if err != nil {
		return fail(e.Pos, err)
	}
	var batch []byte
	var at dump.Pos // the batch's first statement, relative to the entry
	send := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := execSQL(ctx, sess.conn, string(batch))
		batch = batch[:0]
		if err != nil {
			return fail(at, err)
		}
		return nil
	}
	for {
		it, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(e.Pos, err)
		}
		switch it.Kind {
		case plaindump.Statement, plaindump.Insert:
		case plaindump.Tail:
			continue
		default:
			return fail(e.Pos, fmt.Errorf("a %s in SQL data: only statements can be run", it.Kind))
		}
		if len(batch) == 0 {
			at = e.Pos
			if at.Line > 0 {
				at.Line += it.Line - 1
			}
		}
		batch = append(batch, it.Raw...)
		if len(batch) >= execBatch {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if err := send(); err != nil {
		return err
	}
	if err := execSQL(ctx, sess.conn, "COMMIT"); err != nil {
		return fail(e.Pos, err)
	}
	return nil
}

// rollback ends a failed load's transaction, or drops the session when
// that fails (release then closes it).
func rollback(sess *session) {
	if sess.conn.IsClosed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if execSQL(ctx, sess.conn, "ROLLBACK") != nil {
		sess.conn.Close(ctx)
	}
}

// dataError is a server error about the rows (SQLSTATE class 22, data
// exception, or 23, integrity violation), whose message may quote a value;
// nil for any other error.
func dataError(err error) *pgconn.PgError {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && (strings.HasPrefix(pg.Code, "22") || strings.HasPrefix(pg.Code, "23")) {
		return pg
	}
	return nil
}

// copyLine finds the line of a COPY error: "COPY users, line 3, column id: …".
var copyLine = regexp.MustCompile(`^COPY .*?, line ([0-9]+)`)

// copyError locates a failed COPY at its row, keeping the row's values out
// of the message.
func (s *Sink) copyError(op string, e *dump.Entry, err error) error {
	pos := e.Pos
	if pg := dataError(err); pg != nil {
		if m := copyLine.FindStringSubmatch(pg.Where); m != nil {
			pos.Row, _ = strconv.ParseInt(m[1], 10, 64)
			err = newRowError(pg, e.Columns)
		}
	}
	return &Error{Database: s.ci.name, Op: op, Pos: pos, Err: err, secret: s.ci.secret}
}

// RowError is a row the target refused during COPY. PostgreSQL's message
// for a bad value (SQLSTATE class 22) quotes it, so only the code and the
// column are shown then; PgError has everything, for a caller that may
// show it.
type RowError struct {
	Code    string
	Column  string
	Message string // "" when it may quote a value
	PgError *pgconn.PgError
}

func newRowError(pg *pgconn.PgError, columns []string) *RowError {
	r := &RowError{Code: pg.Code, Column: pg.ColumnName, PgError: pg}
	if r.Column == "" {
		for _, c := range columns { // "COPY t, line 3, column name: value"
			if strings.Contains(pg.Where, ", column "+c+": ") && len(c) > len(r.Column) {
				r.Column = c
			}
		}
	}
	if !strings.HasPrefix(pg.Code, "22") || pg.Code == "22P04" || pg.Code == "22001" { // bad COPY format, too long: no value
		r.Message = pg.Message
	}
	return r
}

func (e *RowError) Error() string {
	msg := "row refused"
	if e.Message != "" {
		msg = e.Message
	}
	if e.Column != "" {
		msg += fmt.Sprintf(" (column %s, SQLSTATE %s)", ident(e.Column), e.Code)
	} else {
		msg += " (SQLSTATE " + e.Code + ")"
	}
	return msg
}

func (e *RowError) Unwrap() error { return e.PgError }

// tableWriter feeds one table's COPY through a pipe.
type tableWriter struct {
	pw   *io.PipeWriter
	done chan error
	once sync.Once
	err  error
}

func (w *tableWriter) Write(p []byte) (int, error) { return w.pw.Write(p) }

// Close ends the rows and returns the COPY's error, nil once committed.
func (w *tableWriter) Close() error {
	w.once.Do(func() {
		w.pw.Close()
		w.err = <-w.done
	})
	return w.err
}

// CloseWithError abandons the table: the COPY fails with cause and its
// transaction is rolled back.
func (w *tableWriter) CloseWithError(cause error) error {
	if cause == nil {
		cause = errors.New("abandoned")
	}
	w.once.Do(func() {
		w.pw.CloseWithError(cause)
		<-w.done
		w.err = cause
	})
	return nil
}

// Commit runs any pending batch, then ANALYZE on every table in parallel,
// largest first, and closes the sessions.
func (s *Sink) Commit(ctx context.Context) error {
	if err := s.flush(ctx); err != nil {
		return err
	}
	s.loads.Wait()
	rows, err := s.main.conn.Query(ctx, `SELECT n.nspname, c.relname
		FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'm', 'p') AND left(n.nspname, 3) <> 'pg_' AND n.nspname <> 'information_schema'
		ORDER BY pg_catalog.pg_total_relation_size(c.oid) DESC`)
	if err != nil {
		return s.ci.wrap("list tables", err)
	}
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var n, t string
		err := r.Scan(&n, &t)
		return ident(n, t), err
	})
	if err != nil {
		return s.ci.wrap("list tables", err)
	}
	if err := s.parallel(ctx, len(tables), func(ctx context.Context, sess *session, i int) error {
		if err := execSQL(ctx, sess.conn, "ANALYZE "+tables[i]); err != nil {
			return s.ci.wrap("ANALYZE "+tables[i], err)
		}
		return nil
	}); err != nil {
		return err
	}
	s.done = true
	s.close()
	return nil
}

// parallel runs f(0…n-1) on up to Jobs pooled sessions. The first error
// stops the rest (whose own errors, cancellations, are dropped) and is
// returned.
func (s *Sink) parallel(ctx context.Context, n int, f func(context.Context, *session, int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var first error
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
			cancel()
		}
		mu.Unlock()
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(s.opts.Jobs, n) {
		wg.Go(func() {
			sess, err := s.acquire(ctx)
			if err != nil {
				fail(err)
				return
			}
			defer s.release(sess)
			for i := range next {
				if err := f(ctx, sess, i); err != nil {
					fail(err)
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return first
}

// close closes every session.
func (s *Sink) close() {
	if s.main != nil {
		s.main.conn.Close(context.Background())
	}
	for {
		select {
		case sess := <-s.idle:
			sess.conn.Close(context.Background())
		default:
			return
		}
	}
}

// Abort stops every load, closes the sessions and drops the database if
// this run created it (or dropped and recreated it, with Clean). It runs
// even when ctx is already cancelled, for up to a minute.
func (s *Sink) Abort(ctx context.Context) error {
	// A second caller (a signal's grace period running out while the run
	// aborts by itself) waits for the first and gets its result.
	s.aborting.Do(func() { s.abortErr = s.abortOnce(ctx) })
	return s.abortErr
}

func (s *Sink) abortOnce(ctx context.Context) error {
	if s.done {
		return nil
	}
	s.done = true
	// Cleaning up must outlive a cancelled run, within the caller's
	// deadline if it has one.
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Minute)
	}
	ctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
	defer cancel()
	s.abort()
	s.loads.Wait()
	s.close()
	if !s.created {
		return nil
	}
	conn, err := s.maintenance(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return s.drop(ctx, conn)
}
