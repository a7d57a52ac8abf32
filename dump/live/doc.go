// Package live reads a live PostgreSQL database as a dump.Source, in one
// snapshot, and loads an empty database as a dump.Sink.
//
// # Source
//
// Open connects a main session that runs BEGIN ISOLATION LEVEL REPEATABLE
// READ, READ ONLY and pg_export_snapshot(), and keeps that transaction
// open until Close. It takes ACCESS SHARE locks on every table it will
// read, as pg_dump does, so that no table is dropped, truncated or
// rewritten meanwhile (reads and writes go on). Worker sessions (up to
// SourceOptions.Jobs) join with SET TRANSACTION SNAPSHOT, so every table is
// read at the same instant. Every session also has
// default_transaction_read_only on: nothing can write through it, even
// after its transaction ended.
//
// Inventory runs pg_dump twice in the snapshot, --section=pre-data and
// --section=post-data (not --schema-only, which leaves out materialized
// views' REFRESH), with -B (large objects are counted from
// pg_largeobject_metadata instead) and --encoding=UTF8: whatever the
// database's encoding, schema and rows are read in UTF-8, which the schema
// model and the maskers need (the server converts, and the target
// converts back).
// pg_dump is looked for on PATH, then under /usr/lib/postgresql/*/bin, and
// must be at least the server's major version. It gets the connection
// string without its password, and the password in PGPASSWORD in its own
// environment, never on a command line. Both scripts, concatenated, go
// through the plain source, so that the schema model sees the keys and
// constraints of post-data; a line number tells which run an entry came
// from. The inventory lists entries in the order of one pg_dump script:
// pre-data; one TABLE DATA entry per table (ordinary tables and leaf
// partitions; unlogged ones too except on a standby; not views,
// materialized views or foreign tables; an extension's configuration table
// with the extension's filter), sorted as pg_dump sorts them, with the
// non-generated columns in attnum order and row and size estimates from
// reltuples and the table's current size; one SEQUENCE SET per sequence,
// byte for byte as pg_dump writes it; post-data; then privileges and what
// pg_dump applies after them (materialized view data, event triggers).
// Sequences are not transactional: their values are read right after the
// snapshot is taken, never behind the rows it sees. Entries are located
// as host:port/dbname#id, rows as host:port/dbname:schema.table:row N.
//
// Open(ctx, e) runs COPY … TO STDOUT on a worker with pg_dump's session
// settings (extra_float_digits 3, ISO dates, synchronize_seqscans off,
// row_security off so that row-level security raises an error rather than
// hides rows): the bytes equal the COPY block of pg_dump --encoding=UTF8. The reader is an io.WriterTo: io.Copy hands CopyTo the
// destination, without a pipe. Closing it early stops the COPY and drops
// the worker's connection; a new worker joins the snapshot when needed.
//
// A hot standby works as a source (snapshots can be exported there from
// PostgreSQL 10, and a standby accepts connections only once recovery is
// consistent). Its unlogged tables cannot be read, and are left out, as
// pg_dump does there. A long COPY on a standby can be cancelled by
// recovery ("conflict with recovery") unless the standby runs with
// hot_standby_feedback on or a large max_standby_streaming_delay.
//
// Large objects are counted (Inventory.LargeObjects, LargeObjectsAt) so
// that a run refuses or drops them; their contents are not read yet.
//
// SplitBytes splits a table whose heap exceeds it into ctid ranges (one
// TABLE DATA entry each, read with TID range scans, PostgreSQL 14+), which
// concatenated give the bytes of one COPY. Measured on this project's
// 2-core machine (2.7 GB shop database; medians of three interleaved
// runs, -j 2), it does not help: a COPY of two ranges costs 5–20% more
// server CPU than one COPY of the table, and -j 2 already keeps both
// cores busy with different tables. Reading every table took 24.6 s
// unsplit and 37.0 s with 100 MB ranges; payment_events (400 MB) alone
// 6.4 s as one COPY and 8.1 s as four ranges on two sessions. A live Sink
// also loads a table's ranges one after the other (the first holds the
// table's lock for COPY FREEZE). Splitting is off by default; it can pay
// only with idle cores on the source and a sink that writes ranges in
// parallel (an archive).
//
// Identity identifies the source so that a target that is the same
// database is refused whatever the URLs look like: the cluster's system
// identifier from pg_control_system() (executable by every role by
// default; a standby has its primary's), the server's start time, and the
// database's OID and name. Where pg_control_system() is revoked or
// missing (some hosted services), the start time, which every role can
// read, still tells the same running server, but no longer a standby's
// primary.
//
// # Sink
//
// Create uses the database its connection string names: it creates it
// when missing (from the postgres database, else template1: CREATE
// DATABASE … TEMPLATE template0 with the source's encoding and collation
// when SinkOptions.Locale gives them; the role needs CREATEDB), uses it
// when it exists and holds no object of its own, refuses it when it holds
// one, unless SinkOptions.Clean: then DROP DATABASE … WITH (FORCE) and
// create it again. The target is compared with SinkOptions.Source first:
// the source database is never dropped or written.
//
// Entries run in order on a main session, each as one multi-statement
// query, as psql runs a script; psql meta-commands and entries that create
// or alter a database are skipped. Post-data indexes, constraints and
// check constraints that come one after another are batched and run on
// Jobs sessions in parallel; foreign keys (which need the keys they
// reference) in batches of their own; a batch runs when anything else
// comes, or on Commit. A foreign key that loses a deadlock to another is
// run again after its batch. Every session replays the dump's session
// settings (SET …, set_config(…, false)) of its point in the dump before
// running an entry or loading data: encoding, search_path,
// default_tablespace are what one psql session would have there.
//
// Data loads each TABLE DATA entry on a pooled session in one transaction:
// BEGIN; LOCK TABLE ONLY t; TRUNCATE ONLY t; COPY t (cols) FROM STDIN WITH
// (FREEZE); COMMIT. A partitioned table (rows routed to partitions: FREEZE
// and TRUNCATE ONLY are refused there), a table a foreign key already
// references (TRUNCATE refuses it), a table that already holds rows (from
// the DDL, or routed through its parent) and a table's later entries
// (ctid ranges) get a plain COPY; a leaf partition is an ordinary table
// and gets FREEZE. A refused row is reported with its row and column,
// never its value.
//
// What makes the load fast, measured on the 2.7 GB shop database on this
// 2-core machine, with the machine shared with other work (wall times
// vary by ±30%; medians of three interleaved runs):
//
//   - COPY FREEZE costs the same to load (6.3 vs 6.4 CPU-s for 400 MB, the
//     same WAL) and saves the pass after it: the first scan takes 0.63 s
//     instead of 1.12 s (no hint bits to set and write back) and the
//     VACUUM that sets the visibility map (index-only scans) and later
//     anti-wraparound freezing have nothing to do (0 s instead of 1.8 s).
//   - Indexes and constraints after the data, in parallel: 63 s with two
//     sessions, 100 s with one. PostgreSQL's own parallel index builds
//     help too (100 s with max_parallel_maintenance_workers 0): the
//     server's setting is kept.
//   - maintenance_work_mem: 64 MB, 256 MB and 1 GB gave 60, 63 and 73 s,
//     no difference beyond the noise here; DefaultMaintenanceWorkMem
//     (256 MB per session) lets larger indexes sort in memory while
//     bounding the total at Jobs × 256 MB.
//   - synchronous_commit off: a commit per entry no longer waits for the
//     WAL flush. Pre-data of a 2,000-table schema: 17–24 s instead of
//     23–60 s. A crash fails the run, which starts again on a fresh
//     database anyway.
//   - ANALYZE of every table in parallel, largest first, on Commit.
//
// The whole copy of that database (-j 2, no masking) took 145 s where
// pg_dump -Fd -j 2 -Z0 and pg_restore -j 2 took 222 s on the same machine.
//
// Abort stops every load, closes the sessions and drops the database when
// this run created it. A target replaced with Clean was dropped when Create
// ran, so after a failure it no longer exists: neither its old contents
// nor a partial copy remain. A pre-existing empty target is not this run's
// to drop: Abort leaves it as the failure left it, possibly partly
// loaded. Abort runs even with a cancelled context (for up to a minute).
//
// Data entries written as SQL (a dump's INSERT statements, large objects'
// lo_create/lowrite) run on a pooled session in one transaction per entry,
// in batches of whole statements of about 4 MB. Data writers must be
// closed before the post-data entries come; their CloseWithError abandons
// a table (rolled back).
package live
