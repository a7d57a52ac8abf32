package rules

import (
	"fmt"
	"math"
	"sort"

	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/schema"
)

// crowdedAt is the expected number of colliding pairs (the birthday bound
// n²/2N for n rows in a space of N values) from which a unique column is
// reported: about a 1% chance that the run stops at a collision.
const crowdedAt = 0.01

// Crowded is a column that is unique by itself, masked by a masker that is
// not a bijection there and writes too few distinct values for the rows of
// its table: masked values are likely to collide, and the run to stop at
// the first collision (the guard never lets one through).
type Crowded struct {
	Table  schema.QName // the key's table (a partitioned table's parent)
	Column string
	Masker string
	Rows   int64   // of the table, or of all partitions sharing the key
	Space  float64 // about how many distinct values the masker writes
}

func (c *Crowded) String() string {
	return fmt.Sprintf("unique column %s.%s (%d rows) is masked with %s, %s", c.Table, schema.QuoteIdent(c.Column), c.Rows, c.Masker, c.Reason())
}

// Reason says why the column is crowded and what to use instead.
func (c *Crowded) Reason() string {
	return fmt.Sprintf("which writes about %.3g distinct values: about %.2g colliding pairs are expected, and a collision stops the run; use hash_id, a bijection that keeps the value's shape (or hash, email or username for text)",
		c.Space, pairs(c.Rows, c.Space))
}

// Crowds reports whether rows values drawn from a space of about space
// distinct values are likely to collide.
func Crowds(rows int64, space float64) bool { return rows > 1 && pairs(rows, space) > crowdedAt }

// pairs is the expected number of colliding pairs among n values drawn
// from a space of size space.
func pairs(n int64, space float64) float64 { return float64(n) * float64(n) / (2 * space) }

// Crowded lists, sorted, the unique columns whose masker's output space is
// too small for their tables' rows (rows: counts or estimates per table).
// Only keys of one column are judged: in a composite key the other columns
// tell rows apart, in ways row counts do not show.
func (p *Plan) Crowded(rows map[schema.QName]int64) []*Crowded {
	byGuard := map[*Guard]*Crowded{}
	for q, tp := range p.Tables {
		for _, g := range tp.Guards {
			if len(g.Columns) != 1 {
				continue
			}
			cp := tp.Columns[g.Columns[0]]
			if cp == nil || cp.Row != nil || cp.Cell == nil {
				continue
			}
			n, bij := masking.OutputSpace(cp.Cell.Masker(), cp.Cell.Column())
			if bij || math.IsInf(n, 1) {
				continue
			}
			c := byGuard[g]
			if c == nil {
				c = &Crowded{Table: g.Scope, Column: cp.Name, Masker: cp.Masker, Space: n}
				byGuard[g] = c
			}
			c.Rows += max(rows[q], 0)
			c.Space = min(c.Space, n)
		}
	}
	var out []*Crowded
	for _, c := range byGuard {
		if Crowds(c.Rows, c.Space) {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Table != out[j].Table {
			return out[i].Table.String() < out[j].Table.String()
		}
		return out[i].Column < out[j].Column
	})
	return out
}
