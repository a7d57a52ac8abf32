package live

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/dump/plain"
	"github.com/understudy-db/understudy/schema"
)

// SourceOptions configure a live source.
type SourceOptions struct {
	// Jobs is how many worker sessions read tables at once (Parallel); 1
	// when less.
	Jobs int
	// SplitBytes splits a table whose heap is larger than this into ctid
	// ranges, each its own data entry, on PostgreSQL 14 and later (TID
	// range scans); 0 never splits.
	SplitBytes int64
	// PgDump is the pg_dump program to run; "" looks on PATH, then under
	// /usr/lib/postgresql/*/bin.
	PgDump string
	// NoOwner and NoPrivileges leave ownership and GRANTs out of the DDL
	// (pg_dump --no-owner, --no-privileges), for a target that lacks the
	// source's roles.
	NoOwner, NoPrivileges bool
}

// Locale is a database's encoding and collation, for creating its copy.
type Locale struct {
	Encoding       string // "UTF8"
	Collate, Ctype string // "en_US.UTF-8"
	// Provider is "libc", "icu" (PostgreSQL 15+) or "builtin" (17+);
	// ProviderLocale is the ICU or builtin locale.
	Provider, ProviderLocale string
}

// Source is a live database read in one snapshot: its schema from pg_dump,
// its rows from COPY … TO STDOUT on worker sessions that share the
// snapshot. Every session is READ ONLY.
type Source struct {
	ci       *conninfo
	opts     SourceOptions
	main     *pgx.Conn // holds the exported snapshot until Close
	snapshot string
	version  int // server_version_num
	standby  bool
	blocks   int64 // block_size
	id       Identity
	locale   Locale
	tables   []*table
	seqs     []*sequence
	blobs    int64 // large objects

	mu    sync.Mutex
	inv   *dump.Inventory
	reads map[int]read // per data entry ID

	slots chan struct{}  // one per worker that may be busy
	idle  chan *pgx.Conn // workers in the snapshot, free
}

// table is a table whose rows the dump holds.
type table struct {
	oid       uint32
	name      schema.QName
	columns   []string // non-generated, non-dropped, by attnum; nil when none
	rows      float64  // estimated
	heap      int64    // bytes of the main fork
	toast     int64
	condition string // an extension configuration table's filter ("WHERE …"), as pg_dump applies it
}

type sequence struct {
	name   schema.QName
	owner  string
	value  int64
	called bool
}

// readBuffer is how much of a source session's socket is read at once.
const readBuffer = 256 << 10

// read is what Open copies for one data entry.
type read struct {
	table schema.QName
	sql   string // COPY … TO STDOUT
	from  string // FROM … [WHERE …] of the same rows, for OpenColumns
}

// Open connects to the database in connString (a URL or keyword/value
// string; PG* variables and .pgpass apply), starts a REPEATABLE READ, READ
// ONLY transaction, exports its snapshot for the workers and pg_dump, and
// takes ACCESS SHARE locks on every table it will read, so that no table
// is dropped or rewritten until Close (as pg_dump does).
func Open(ctx context.Context, connString string, opts SourceOptions) (*Source, error) {
	ci, err := parseConninfo(connString)
	if err != nil {
		return nil, err
	}
	// pgx reads the socket 8 KiB at a time: a COPY TO of a gigabyte was
	// over a hundred thousand reads. A larger buffer below pgx's takes
	// whatever the socket holds in one.
	ci.cfg.BuildFrontend = func(r io.Reader, w io.Writer) *pgproto3.Frontend {
		return pgproto3.NewFrontend(bufio.NewReaderSize(r, readBuffer), w)
	}
	opts.Jobs = max(opts.Jobs, 1)
	s := &Source{ci: ci, opts: opts, reads: map[int]read{},
		slots: make(chan struct{}, opts.Jobs), idle: make(chan *pgx.Conn, opts.Jobs)}
	s.main, err = ci.connect(ctx, map[string]string{"client_encoding": "UTF8", "DateStyle": "ISO",
		"default_transaction_read_only": "on", "synchronize_seqscans": "off", "row_security": "off"})
	if err != nil {
		return nil, err
	}
	if err := s.begin(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// snapshotID is what pg_export_snapshot returns: "00000003-0000001B-1".
var snapshotID = regexp.MustCompile(`^[0-9A-F]+-[0-9A-F]+-[0-9]+$`)

// begin opens the snapshot and reads what the dump needs from the catalog
// in it.
func (s *Source) begin(ctx context.Context) error {
	var err error
	if s.id, err = readIdentity(ctx, s.main); err != nil {
		return s.ci.wrap("read the server's identity", err)
	}
	if err := execSQL(ctx, s.main, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"); err != nil {
		return s.ci.wrap("begin", err)
	}
	// A hot standby only accepts connections once recovery is consistent,
	// and exports snapshots from PostgreSQL 10 on.
	err = s.main.QueryRow(ctx, `SELECT pg_export_snapshot(), pg_is_in_recovery(),
		current_setting('server_version_num')::int, current_setting('block_size')::int`).
		Scan(&s.snapshot, &s.standby, &s.version, &s.blocks)
	if err != nil {
		return s.ci.wrap("export a snapshot", err)
	}
	if !snapshotID.MatchString(s.snapshot) {
		return s.ci.wrap("export a snapshot", fmt.Errorf("unexpected snapshot id %q", s.snapshot))
	}
	for _, step := range []struct {
		op string
		f  func(context.Context) error
	}{
		{"read the database's locale", s.readLocale},
		{"list tables", s.readTables},
		{"lock tables", s.lockTables},
		{"read sequences", s.readSequences},
		{"count large objects", func(ctx context.Context) error {
			return s.main.QueryRow(ctx, "SELECT count(*) FROM pg_catalog.pg_largeobject_metadata").Scan(&s.blobs)
		}},
	} {
		if err := step.f(ctx); err != nil {
			return s.ci.wrap(step.op, err)
		}
	}
	return nil
}

func (s *Source) readLocale(ctx context.Context) error {
	provider := "'c', ''" // libc only before 15
	switch {
	case s.version >= 170000:
		provider = "datlocprovider::text, COALESCE(datlocale, '')"
	case s.version >= 150000:
		provider = "datlocprovider::text, COALESCE(daticulocale, '')"
	}
	var p string
	err := s.main.QueryRow(ctx, `SELECT pg_encoding_to_char(encoding), datcollate, datctype, `+provider+`
		FROM pg_catalog.pg_database WHERE datname = current_database()`).
		Scan(&s.locale.Encoding, &s.locale.Collate, &s.locale.Ctype, &p, &s.locale.ProviderLocale)
	s.locale.Provider = map[string]string{"c": "libc", "i": "icu", "b": "builtin"}[p]
	return err
}

// dumpable is pg_dump's default choice of objects: none in pg_catalog,
// information_schema or another pg_* schema, none belonging to an
// extension unless the extension marked it as configuration
// (pg_extension_config_dump).
const dumpable = `left(n.nspname, 3) <> 'pg_' AND n.nspname <> 'information_schema'
	AND (c.oid IN (SELECT unnest(extconfig) FROM pg_catalog.pg_extension)
		OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
			WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'))
	AND c.relpersistence <> 't'
	AND NOT (c.relpersistence = 'u' AND pg_is_in_recovery())`

// readTables lists the tables whose rows pg_dump would dump: ordinary
// tables and leaf partitions (partitioned tables hold none), unlogged
// ones too except on a standby, where they cannot be read (pg_dump skips
// them there as well); not views, materialized views (REFRESHed in
// post-data) or foreign tables.
func (s *Source) readTables(ctx context.Context) error {
	rows, err := s.main.Query(ctx, `SELECT c.oid, n.nspname, c.relname,
			CASE WHEN c.relpages > 0 AND c.reltuples >= 0
				THEN c.reltuples::float8 / c.relpages * (pg_relation_size(c.oid) / current_setting('block_size')::int)
				ELSE 0 END,
			pg_relation_size(c.oid), COALESCE(pg_relation_size(NULLIF(c.reltoastrelid, 0)), 0),
			COALESCE((SELECT e.extcondition[array_position(e.extconfig, c.oid)]
				FROM pg_catalog.pg_extension e WHERE c.oid = ANY (e.extconfig)), '')
		FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'r' AND `+dumpable)
	if err != nil {
		return err
	}
	byOID := map[uint32]*table{}
	for rows.Next() {
		t := &table{}
		if err := rows.Scan(&t.oid, &t.name.Schema, &t.name.Name, &t.rows, &t.heap, &t.toast, &t.condition); err != nil {
			return err
		}
		s.tables = append(s.tables, t)
		byOID[t.oid] = t
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// pg_dump's order: by schema, then name, byte by byte.
	slices.SortFunc(s.tables, func(a, b *table) int { return compareQName(a.name, b.name) })

	generated := ""
	if s.version >= 120000 {
		generated = " AND a.attgenerated = ''" // generated columns are computed, not copied
	}
	oids := make([]uint32, len(s.tables))
	for i, t := range s.tables {
		oids[i] = t.oid
	}
	rows, err = s.main.Query(ctx, `SELECT a.attrelid, a.attname FROM pg_catalog.pg_attribute a
		WHERE a.attrelid = ANY ($1) AND a.attnum > 0 AND NOT a.attisdropped`+generated+`
		ORDER BY a.attrelid, a.attnum`, oids)
	if err != nil {
		return err
	}
	for rows.Next() {
		var oid uint32
		var name string
		if err := rows.Scan(&oid, &name); err != nil {
			return err
		}
		byOID[oid].columns = append(byOID[oid].columns, name)
	}
	return rows.Err()
}

func compareQName(a, b schema.QName) int {
	if c := strings.Compare(a.Schema, b.Schema); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

// lockTables takes ACCESS SHARE locks on the tables to read, in batches.
// Like pg_dump's, they block DROP, TRUNCATE and ALTER TABLE of those tables
// (not reads or writes) until Close.
func (s *Source) lockTables(ctx context.Context) error {
	for chunk := range slices.Chunk(s.tables, 1000) {
		names := make([]string, len(chunk))
		for i, t := range chunk {
			names[i] = ident(t.name.Schema, t.name.Name)
		}
		if err := execSQL(ctx, s.main, "LOCK TABLE "+strings.Join(names, ", ")+" IN ACCESS SHARE MODE"); err != nil {
			return err
		}
	}
	return nil
}

// readSequences reads every dumpable sequence's state. Sequences are not
// transactional: the value read is the current one, never behind the rows
// the snapshot sees, which is what a copy needs (pg_dump reads it alike).
func (s *Source) readSequences(ctx context.Context) error {
	rows, err := s.main.Query(ctx, `SELECT n.nspname, c.relname, pg_catalog.pg_get_userbyid(c.relowner)
		FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind = 'S' AND `+dumpable)
	if err != nil {
		return err
	}
	for rows.Next() {
		q := &sequence{}
		if err := rows.Scan(&q.name.Schema, &q.name.Name, &q.owner); err != nil {
			return err
		}
		s.seqs = append(s.seqs, q)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	slices.SortFunc(s.seqs, func(a, b *sequence) int { return compareQName(a.name, b.name) })
	for i := 0; i < len(s.seqs); i += 200 {
		chunk := s.seqs[i:min(i+200, len(s.seqs))]
		parts := make([]string, len(chunk))
		for j, q := range chunk {
			parts[j] = "SELECT " + strconv.Itoa(j) + ", last_value, is_called FROM " + ident(q.name.Schema, q.name.Name)
		}
		rows, err := s.main.Query(ctx, strings.Join(parts, " UNION ALL "))
		if err != nil {
			return err
		}
		for rows.Next() {
			var j int
			var value int64
			var called bool
			if err := rows.Scan(&j, &value, &called); err != nil {
				return err
			}
			chunk[j].value, chunk[j].called = value, called
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Identity identifies the source database, to refuse it as a target.
func (s *Source) Identity() Identity { return s.id }

// Locale is the source database's encoding and collation.
func (s *Source) Locale() Locale { return s.locale }

// Parallel is the number of worker sessions.
func (s *Source) Parallel() int { return s.opts.Jobs }

// Inventory runs pg_dump twice in the snapshot (--section=pre-data,
// then post-data) and reads both scripts with the plain source, and adds
// one TABLE DATA entry per table (or ctid range of a large one) and one
// SEQUENCE SET per sequence between them, in pg_dump's order.
func (s *Source) Inventory(ctx context.Context) (*dump.Inventory, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inv != nil {
		return s.inv, nil
	}
	server := fmtVersion(s.version)
	pd, err := findPgDump(ctx, s.opts.PgDump, s.version/10000, server)
	if err != nil {
		return nil, s.ci.wrap("find pg_dump", err)
	}
	dir, err := os.MkdirTemp("", "understudy-schema-")
	if err != nil {
		return nil, err
	}
	keep := false
	defer func() {
		if !keep {
			os.RemoveAll(dir)
		}
	}()
	// Not --schema-only, which leaves out materialized views' REFRESH
	// (post-data); -B: large objects are counted from the catalog. In
	// UTF-8 whatever the database's encoding, like the rows: the schema
	// model and the maskers read UTF-8, and the target converts back.
	args := []string{"-B", "--snapshot=" + s.snapshot, "--encoding=UTF8"}
	if s.opts.NoOwner {
		args = append(args, "--no-owner")
	}
	if s.opts.NoPrivileges {
		args = append(args, "--no-privileges")
	}
	if pd.major >= 18 {
		args = append(args, "--no-statistics") // statistics hold real values
	}
	sections := []string{"pre-data", "post-data"}
	var errs [2]error
	var wg sync.WaitGroup
	for i, section := range sections {
		wg.Go(func() {
			errs[i] = pd.run(ctx, s.ci, filepath.Join(dir, section+".sql"), append(slices.Clone(args), "--section="+section)...)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, s.ci.wrap("pg_dump --section="+sections[i], err)
		}
	}

	// One script holds both, so that the schema model sees the keys and
	// constraints of post-data; a line number tells which run an entry
	// came from.
	path := filepath.Join(dir, "schema.sql")
	preLines, err := concat(path, filepath.Join(dir, "pre-data.sql"), filepath.Join(dir, "post-data.sql"))
	if err != nil {
		return nil, err
	}
	src, err := plain.Open(ctx, path, nil, 0)
	if err != nil {
		return nil, err
	}
	p, err := src.Inventory(ctx)
	src.Close()
	if err != nil {
		keep = true // schema only, no rows: kept for the user to look at
		return nil, s.ci.wrap("read pg_dump's schema (kept in "+path+")", err)
	}
	s.inv = s.compose(p, preLines)
	s.inv.DumpedFrom, s.inv.DumpedBy = p.DumpedFrom, pd.version
	return s.inv, nil
}

// concat writes the files into path and returns the number of lines of the
// first.
func concat(path string, files ...string) (int, error) {
	var all []byte
	first := 0
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return 0, err
		}
		if len(b) > 0 && b[len(b)-1] != '\n' {
			b = append(b, '\n')
		}
		if i == 0 {
			first = bytes.Count(b, []byte{'\n'})
		}
		all = append(all, b...)
	}
	return first, os.WriteFile(path, all, 0o600)
}

// metaDesc marks the plain source's psql meta-command entries.
const metaDesc = "META"

// compose builds the inventory from the plain one of both scripts, in the
// order of one pg_dump script: the pre-data entries; the data (inside the
// pre-data script's \restrict, before its closing meta-command); the
// post-data entries; then the pre-data script's privileges, which
// pg_dump (and pg_restore) apply after everything else — a REVOKE could
// keep the loading role from its own tables — then what pg_dump runs
// after privileges (materialized view data, event triggers). Entries are
// renumbered and located in the database.
func (s *Source) compose(p *dump.Inventory, preLines int) *dump.Inventory {
	name := s.ci.name
	inv := &dump.Inventory{Catalog: p.Catalog, Rows: map[schema.QName]int64{}, Name: name,
		Writes: map[schema.QName]dump.Refusal{}, Statistics: p.Statistics}
	var lines, ids []int // plain entries' first lines and new IDs, to relocate refusals
	add := func(e *dump.Entry) {
		e.ID = len(inv.Entries) + 1
		inv.Entries = append(inv.Entries, e)
	}
	addPlain := func(section dump.Section, entries ...*dump.Entry) {
		for _, e := range entries {
			lines, ids = append(lines, e.Pos.Line), append(ids, len(inv.Entries)+1)
			e.Section = section
			add(e)
			e.Pos = dump.Pos{File: name, Entry: e.ID}
		}
	}
	cut := slices.IndexFunc(p.Entries, func(e *dump.Entry) bool { return e.Pos.Line > preLines })
	if cut < 0 {
		cut = len(p.Entries)
	}
	pre, post := p.Entries[:cut], p.Entries[cut:]
	preEnd, postEnd := scriptEnd(pre), scriptEnd(post)
	var preMain, preACL []*dump.Entry
	for _, e := range pre[:preEnd] {
		if aclPass[e.Desc] {
			preACL = append(preACL, e)
		} else {
			preMain = append(preMain, e)
		}
	}
	postMain := slices.IndexFunc(post[:postEnd], func(e *dump.Entry) bool { return aclPass[e.Desc] || postACLPass[e.Desc] })
	if postMain < 0 {
		postMain = postEnd
	}

	addPlain(dump.PreData, preMain...)
	for _, t := range s.tables {
		entries, sqls, froms := s.dataEntries(t)
		for i, e := range entries {
			add(e)
			s.reads[e.ID] = read{table: t.name, sql: sqls[i], from: froms[i]}
			inv.Rows[t.name] += e.Rows
		}
	}
	for _, q := range s.seqs {
		add(&dump.Entry{Section: dump.Data, Desc: dump.SequenceSet, Table: q.name, Defn: setval(q, s.opts.NoOwner),
			Pos: dump.Pos{File: name, Table: q.name}})
	}
	addPlain(dump.PreData, pre[preEnd:]...)
	addPlain(dump.PostData, post[:postMain]...)
	addPlain(dump.PostData, preACL...)
	addPlain(dump.PostData, post[postMain:]...)

	relocate := func(pos dump.Pos) dump.Pos {
		i, found := slices.BinarySearch(lines, pos.Line)
		if !found {
			i--
		}
		return dump.Pos{File: name, Entry: ids[max(i, 0)]}
	}
	for q, w := range p.Writes {
		inv.Writes[q] = dump.Refusal{What: w.What, Pos: relocate(w.Pos)}
	}
	if p.Opaque != nil {
		inv.Opaque = &dump.Refusal{What: p.Opaque.What, Pos: relocate(p.Opaque.Pos)}
	}
	inv.LargeObjects = p.LargeObjects + int(s.blobs)
	switch {
	case p.LargeObjects > 0:
		inv.LargeObjectsAt = relocate(p.LargeObjectsAt)
	case s.blobs > 0:
		inv.LargeObjectsAt = dump.Pos{File: name, Table: schema.QName{Schema: "pg_catalog", Name: "pg_largeobject_metadata"}}
	}
	return inv
}

// scriptEnd is where a script's closing entries start: the meta-command
// and comments after its last statement.
func scriptEnd(entries []*dump.Entry) int {
	end := len(entries)
	for end > 0 && (entries[end-1].Desc == metaDesc || entries[end-1].Desc == "") {
		end--
	}
	return end
}

// aclPass and postACLPass are the entries pg_dump writes after all others,
// in that order (pg_backup_archiver.c's restore passes).
var (
	aclPass     = map[string]bool{"ACL": true, "DEFAULT ACL": true, "ACL LANGUAGE": true}
	postACLPass = map[string]bool{"MATERIALIZED VIEW DATA": true, "EVENT TRIGGER": true}
)

// dataEntries are a table's data entries, each with the COPY that reads
// it: one, or one per ctid range of a table larger than SplitBytes. Ranges
// need TID range scans (PostgreSQL 14) to read only their blocks; read in
// order, they give the bytes of one COPY of the whole table.
func (s *Source) dataEntries(t *table) ([]*dump.Entry, []string, []string) {
	name := ident(t.name.Schema, t.name.Name)
	blocks := t.heap / s.blocks
	parts := int64(1)
	if s.opts.SplitBytes > 0 && s.version >= 140000 && t.condition == "" && t.heap > s.opts.SplitBytes {
		parts = min((t.heap+s.opts.SplitBytes-1)/s.opts.SplitBytes, blocks)
	}
	entries, sqls, froms := make([]*dump.Entry, parts), make([]string, parts), make([]string, parts)
	for i := range parts {
		e := &dump.Entry{Section: dump.Data, Desc: dump.TableData, Table: t.name,
			Columns: slices.Clone(t.columns), Format: dump.CopyText,
			Rows: int64(math.Round(t.rows)), Bytes: t.heap + t.toast, Pos: dump.Pos{File: s.ci.name, Table: t.name}}
		entries[i] = e
		switch {
		case parts > 1:
			from, to := blocks*i/parts, blocks*(i+1)/parts
			var where []string
			if i > 0 {
				where = append(where, fmt.Sprintf("ctid >= '(%d,0)'::tid", from))
			}
			if i < parts-1 {
				where = append(where, fmt.Sprintf("ctid < '(%d,0)'::tid", to))
			}
			// Shares of the estimates, cumulated so that the parts add up.
			upTo := func(total float64, block int64) int64 {
				return int64(math.Round(total * float64(block) / float64(blocks)))
			}
			e.Rows = upTo(t.rows, to) - upTo(t.rows, from)
			e.Bytes = upTo(float64(t.heap+t.toast), to) - upTo(float64(t.heap+t.toast), from)
			froms[i] = "FROM ONLY " + name + " WHERE " + strings.Join(where, " AND ")
			sqls[i] = "COPY (SELECT " + selectList(t.columns) + " " + froms[i] + ") TO STDOUT"
		case t.condition != "":
			// pg_dump's form for an extension's configuration table.
			froms[i] = "FROM " + name + " " + t.condition
			sqls[i] = "COPY (SELECT " + selectList(t.columns) + " " + froms[i] + ") TO STDOUT"
		default:
			froms[i] = "FROM ONLY " + name
			sqls[i] = "COPY " + name + columnList(t.columns) + " TO STDOUT"
		}
	}
	return entries, sqls, froms
}

func selectList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = ident(c)
	}
	return strings.Join(q, ", ")
}

func fmtVersion(v int) string { return fmt.Sprintf("%d.%d", v/10000, v%10000) }

// setval is pg_dump's SEQUENCE SET entry: its comment block and statement,
// byte for byte.
func setval(q *sequence, noOwner bool) []byte {
	owner := q.owner
	if noOwner {
		owner = "-"
	}
	literal := schema.QuoteLiteral(dumpIdent(q.name.Schema) + "." + dumpIdent(q.name.Name))
	return fmt.Appendf(nil, "\n\n--\n-- Name: %s; Type: SEQUENCE SET; Schema: %s; Owner: %s\n--\n\nSELECT pg_catalog.setval(%s, %d, %t);\n",
		commentSafe(q.name.Name), commentSafe(q.name.Schema), commentSafe(owner), literal, q.value, q.called)
}

// dumpIdent quotes a name as pg_dump's fmtId does, which unlike SQL's rule
// also quotes names holding '$'.
func dumpIdent(s string) string {
	if strings.Contains(s, "$") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return schema.QuoteIdent(s)
}

// commentSafe keeps a name on its comment line, as pg_dump does.
func commentSafe(s string) string { return strings.NewReplacer("\r", " ", "\n", " ").Replace(s) }

// Open starts the COPY of a TABLE DATA entry of this source's inventory on
// a worker session. The reader is also an io.WriterTo, so io.Copy streams
// the rows straight into its destination. Closing it before its end stops
// the COPY; the worker's connection is then dropped (a new one joins the
// snapshot when needed).
func (s *Source) Open(ctx context.Context, e *dump.Entry) (io.ReadCloser, error) {
	if !e.IsData() {
		return io.NopCloser(bytes.NewReader(e.Defn)), nil
	}
	s.mu.Lock()
	r, ok := s.reads[e.ID]
	s.mu.Unlock()
	if !ok || e.Desc != dump.TableData || r.table != e.Table {
		return nil, &Error{Database: s.ci.name, Op: "open", Pos: e.Pos, Err: errors.New("not a data entry of this source's inventory")}
	}
	w, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &tableReader{s: s, w: w, ctx: ctx, sql: r.sql, pos: dump.Pos{File: s.ci.name, Table: e.Table}}, nil
}

// OpenColumns is Open for some of an entry's columns, in the same rows in
// the same order: one heap scan of the same snapshot, never parallel (the
// workers run with max_parallel_workers_per_gather 0), so row n here is
// row n of Open (no columns: an empty line per row). Subsetting reads keys
// this way, several times.
func (s *Source) OpenColumns(ctx context.Context, e *dump.Entry, cols []string) (io.ReadCloser, error) {
	s.mu.Lock()
	r, ok := s.reads[e.ID]
	s.mu.Unlock()
	if !ok || e.Desc != dump.TableData || r.table != e.Table {
		return nil, &Error{Database: s.ci.name, Op: "open", Pos: e.Pos, Err: errors.New("not a data entry of this source's inventory")}
	}
	w, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	sql := "COPY (SELECT " + selectList(cols) + " " + r.from + ") TO STDOUT"
	return &tableReader{s: s, w: w, ctx: ctx, sql: sql, pos: dump.Pos{File: s.ci.name, Table: e.Table}}, nil
}

// Select returns the COPY text of a query's rows, read in the snapshot on
// a worker session, which cannot write: COPY (query) TO STDOUT. Subsetting
// uses it for where: conditions.
func (s *Source) Select(ctx context.Context, query string) (io.ReadCloser, error) {
	w, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	// The session is closed afterwards, not pooled: whatever the query did
	// to its session state goes with it.
	return &tableReader{s: s, w: w, ctx: ctx, sql: "COPY (" + query + ") TO STDOUT", pos: dump.Pos{File: s.ci.name}, discard: true}, nil
}

// acquire returns a worker session in the snapshot: an idle one, or a new
// one while fewer than Jobs exist.
func (s *Source) acquire(ctx context.Context) (*pgx.Conn, error) {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
	select {
	case w := <-s.idle:
		return w, nil
	default:
	}
	w, err := s.ci.connect(ctx, map[string]string{
		// As pg_dump sets its session: rows in the script's encoding,
		// floats exact, dates in ISO, rows in physical order, and an error
		// rather than rows silently hidden by row-level security.
		"client_encoding": "UTF8", "DateStyle": "ISO", "IntervalStyle": "postgres", "extra_float_digits": "3",
		"synchronize_seqscans": "off", "row_security": "off", "default_transaction_read_only": "on",
		"max_parallel_workers_per_gather": "0"})
	if err == nil {
		err = execSQL(ctx, w, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT '"+s.snapshot+"'")
		if err != nil {
			w.Close(ctx)
			err = s.ci.wrap("join the snapshot", err)
		}
	}
	if err != nil {
		<-s.slots
		return nil, err
	}
	return w, nil
}

// release returns a worker after its COPY: to the idle ones if it ended
// cleanly, else closed.
func (s *Source) release(w *pgx.Conn, ok bool) {
	if ok && w.PgConn().TxStatus() == 'T' {
		s.idle <- w
	} else {
		w.Close(context.Background())
	}
	<-s.slots
}

// tableReader is one COPY TO STDOUT on a worker.
type tableReader struct {
	s       *Source
	w       *pgx.Conn
	ctx     context.Context
	sql     string
	pos     dump.Pos
	discard bool // close the session after, rather than pool it

	once sync.Once
	pr   *io.PipeReader // Read's: filled by a goroutine
	done chan struct{}
	err  error // the COPY's, once done
}

// WriteTo runs the COPY into w on the calling goroutine.
func (r *tableReader) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	ran := false
	r.once.Do(func() {
		ran = true
		r.err = r.copy(cw)
	})
	if !ran {
		return 0, errors.New("live: a table's reader is read once, by Read or WriteTo")
	}
	if cw.err != nil {
		// The destination failed (a target's COPY, the masking): its error
		// is the cause, already located, not this COPY's.
		return cw.n, cw.err
	}
	return cw.n, r.err
}

// copy runs the COPY into w and gives the worker back.
func (r *tableReader) copy(w io.Writer) error {
	_, err := r.w.PgConn().CopyTo(r.ctx, w, r.sql)
	r.s.release(r.w, err == nil && !r.discard)
	if err != nil {
		return &Error{Database: r.s.ci.name, Op: "COPY TO STDOUT", Pos: r.pos, Err: err, secret: r.s.ci.secret}
	}
	return nil
}

func (r *tableReader) Read(p []byte) (int, error) {
	r.once.Do(func() {
		var pw *io.PipeWriter
		r.pr, pw = io.Pipe()
		r.done = make(chan struct{})
		go func() {
			defer close(r.done)
			r.err = r.copy(pw)
			pw.CloseWithError(r.err) // nil: EOF
		}()
	})
	if r.pr == nil {
		return 0, errors.New("live: a table's reader is read once, by Read or WriteTo")
	}
	return r.pr.Read(p)
}

// errClosed stops a COPY whose reader was closed before its end.
var errClosed = errors.New("reader closed")

// Close ends the COPY: a Read that has not reached the end stops it (the
// worker's connection is dropped); a reader never read gives its worker
// back.
func (r *tableReader) Close() error {
	r.once.Do(func() { r.s.release(r.w, !r.discard) })
	if r.pr != nil {
		r.pr.CloseWithError(errClosed)
		<-r.done
	}
	return nil
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error // the first error of w
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// Close ends the snapshot and closes every session; readers from Open
// must be closed first.
func (s *Source) Close() error {
	for {
		select {
		case w := <-s.idle:
			w.Close(context.Background())
			continue
		default:
		}
		break
	}
	if s.main != nil {
		return s.main.Close(context.Background())
	}
	return nil
}
