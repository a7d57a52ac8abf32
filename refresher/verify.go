package refresher

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/understudy-db/understudy/cli"
)

// verify checks the loaded copy before anyone sees it: every foreign key
// and CHECK constraint holds (NOT VALID ones are validated now), every
// table has the rows the source had (or the subset chose), and every
// sequence will hand out values above its column's. Findings are returned
// in any case; err is a *VerifyError when one failed, or what stopped it.
func verify(ctx context.Context, conn *pgx.Conn, res *cli.JobResult, rep *Report) error {
	var found []Finding
	fs, err := verifyConstraints(ctx, conn)
	if err != nil {
		return err
	}
	found = append(found, fs...)
	fs, err = verifyRows(ctx, conn, res, rep)
	if err != nil {
		return err
	}
	found = append(found, fs...)
	fs, err = verifySequences(ctx, conn)
	if err != nil {
		return err
	}
	found = append(found, fs...)
	rep.Verification = found
	var failed []Finding
	for _, f := range found {
		if !f.OK {
			failed = append(failed, f)
		}
	}
	if len(failed) > 0 {
		return &VerifyError{Failed: failed}
	}
	return nil
}

// verifyConstraints validates the foreign keys and CHECK constraints the
// dump marked NOT VALID, one by one, and reports the others as valid (the
// load created them validated). A violation's message names the
// constraint; its DETAIL, which quotes the row, is left out.
func verifyConstraints(ctx context.Context, conn *pgx.Conn) ([]Finding, error) {
	rows, err := conn.Query(ctx, `SELECT n.nspname, r.relname, c.conname, c.contype::text, c.convalidated
		FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
		WHERE c.contype IN ('f', 'c') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		ORDER BY 1, 2, 3`)
	if err != nil {
		return nil, err
	}
	type constraint struct {
		schema, table, name, kind string
		valid                     bool
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (constraint, error) {
		var c constraint
		return c, r.Scan(&c.schema, &c.table, &c.name, &c.kind, &c.valid)
	})
	if err != nil {
		return nil, err
	}
	valid := 0
	var found []Finding
	for _, c := range cs {
		if c.valid {
			valid++
			continue
		}
		obj := fmt.Sprintf("%s on %s", ident(c.name), pgx.Identifier{c.schema, c.table}.Sanitize())
		_, err := conn.Exec(ctx, "ALTER TABLE "+pgx.Identifier{c.schema, c.table}.Sanitize()+" VALIDATE CONSTRAINT "+ident(c.name))
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			msg, state := serverMessage(err)
			found = append(found, Finding{Kind: "constraint", Object: obj, Detail: fmt.Sprintf("NOT VALID in the source, and does not hold: %s (SQLSTATE %s)", msg, state)})
			continue
		}
		found = append(found, Finding{Kind: "constraint", Object: obj, OK: true, Detail: "NOT VALID in the source: validated"})
	}
	found = append(found, Finding{Kind: "constraint", Object: "foreign keys and CHECK constraints", OK: true,
		Detail: fmt.Sprintf("%d validated by the load", valid)})
	return found, nil
}

// verifyRows counts every table's rows in the copy: they must be what the
// run wrote, and what it wrote what the source had, none for a skipped
// table, or what the subset chose.
func verifyRows(ctx context.Context, conn *pgx.Conn, res *cli.JobResult, rep *Report) ([]Finding, error) {
	kept := map[string]int64{}
	if res.Subset != nil {
		for _, t := range res.Subset.Tables {
			kept[t.Table.String()] = t.Kept
		}
	}
	var found []Finding
	for _, t := range res.Tables {
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM ONLY "+pgx.Identifier{t.Table.Schema, t.Table.Name}.Sanitize()).Scan(&n); err != nil {
			return nil, err
		}
		rep.Rows += n
		if !t.Counted { // rows as SQL statements: not counted on the way
			rep.Tables = append(rep.Tables, TableRows{Table: t.Table.String(), Source: -1, Loaded: n, Expected: -1, Skipped: t.Skipped})
			continue
		}
		want, why := t.Read, "the source's"
		k, subset := kept[t.Table.String()]
		switch {
		case t.Skipped:
			want, why = 0, "none (skipped by the rules)"
		case subset:
			want, why = k, "the subset's"
		case res.Subset != nil: // a partition the subset reports under its parent
			want, why = t.Written, "what the subset kept"
		}
		rep.Tables = append(rep.Tables, TableRows{Table: t.Table.String(), Source: t.Read, Loaded: n, Expected: want, Skipped: t.Skipped})
		if n != want || n != t.Written {
			found = append(found, Finding{Kind: "rows", Object: t.Table.String(),
				Detail: fmt.Sprintf("%d rows in the copy, %d written, expected %d (%s)", n, t.Written, want, why)})
		}
	}
	found = append(found, Finding{Kind: "rows", Object: "tables", OK: true,
		Detail: fmt.Sprintf("%d of %d tables have the rows expected", len(res.Tables)-len(found), len(res.Tables))})
	return found, nil
}

// verifySequences checks that each sequence owned by a column (serial,
// identity) will next hand out a value beyond the column's values: the
// application's first INSERT into staging must not collide.
func verifySequences(ctx context.Context, conn *pgx.Conn) ([]Finding, error) {
	rows, err := conn.Query(ctx, `SELECT sn.nspname, s.relname, tn.nspname, t.relname, a.attname,
			COALESCE(ps.last_value + ps.increment_by, ps.start_value), ps.increment_by
		FROM pg_depend d
		JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace
		JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
		JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
		JOIN pg_sequences ps ON ps.schemaname = sn.nspname AND ps.sequencename = s.relname
		WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
		  AND t.relkind IN ('r', 'p')
		ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	type owned struct {
		seqSchema, seq, schema, table, column string
		next, inc                             int64
	}
	seqs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (owned, error) {
		var o owned
		return o, r.Scan(&o.seqSchema, &o.seq, &o.schema, &o.table, &o.column, &o.next, &o.inc)
	})
	if err != nil {
		return nil, err
	}
	var found []Finding
	for _, o := range seqs {
		agg, cmp := "max", ">="
		if o.inc < 0 {
			agg, cmp = "min", "<="
		}
		var collides bool
		q := fmt.Sprintf("SELECT COALESCE(%s(%s) %s $1, false) FROM ONLY %s", agg, ident(o.column), cmp, pgx.Identifier{o.schema, o.table}.Sanitize())
		if err := conn.QueryRow(ctx, q, o.next).Scan(&collides); err != nil {
			return nil, err
		}
		if collides {
			found = append(found, Finding{Kind: "sequence", Object: pgx.Identifier{o.seqSchema, o.seq}.Sanitize(),
				Detail: fmt.Sprintf("its next value is not beyond the values of %s.%s: the first INSERT would collide", pgx.Identifier{o.schema, o.table}.Sanitize(), ident(o.column))})
		}
	}
	found = append(found, Finding{Kind: "sequence", Object: "sequences", OK: true,
		Detail: fmt.Sprintf("%d of %d owned sequences ahead of their columns", len(seqs)-len(found), len(seqs))})
	return found, nil
}

// seconds is d in seconds, for reports.
func seconds(d time.Duration) float64 { return d.Round(time.Millisecond).Seconds() }
