// Package progress shows how far a copy is: on a terminal, a live bar per
// table in flight (rows, rate, ETA from the estimated row count) and one
// for the whole run; elsewhere (logs), one line per table finished and,
// every few seconds, one for the run.
package progress

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/understudy-db/understudy/pipeline"
	"github.com/understudy-db/understudy/schema"
)

// Display renders pipeline.Progress updates. Its methods are safe for
// concurrent use.
type Display struct {
	w      io.Writer
	prefix string
	tty    bool
	lines  bool // not a terminal: log lines
	every  time.Duration
	start  time.Time

	mu    sync.Mutex
	last  time.Time
	bars  *mpb.Progress
	total *mpb.Bar
	table map[schema.QName]*mpb.Bar
}

// New returns a display writing to w. On a terminal (tty) it draws bars;
// otherwise, with lines set, it logs a line per table finished and one
// every interval; with neither it shows nothing. prefix starts every log
// line ("anonymize: ").
func New(w io.Writer, prefix string, tty, lines bool, every time.Duration) *Display {
	d := &Display{w: w, prefix: prefix, tty: tty, lines: lines && !tty, every: every, start: time.Now(), table: map[schema.QName]*mpb.Bar{}}
	if tty {
		d.bars = mpb.New(mpb.WithOutput(w), mpb.WithWidth(40), mpb.WithRefreshRate(150*time.Millisecond))
	}
	return d
}

// Update shows p.
func (d *Display) Update(p pipeline.Progress) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.bars != nil:
		d.draw(p)
	case d.lines:
		d.log(p)
	}
}

func (d *Display) draw(p pipeline.Progress) {
	if d.total == nil {
		d.total = d.bars.AddBar(max(p.TotalRows, 1), mpb.BarPriority(1<<30),
			mpb.PrependDecorators(decor.Name("total", decor.WCSyncSpaceR), decor.CountersNoUnit("%d / %d rows", decor.WCSyncWidth)),
			mpb.AppendDecorators(decor.Percentage(decor.WCSyncSpace), decor.Elapsed(decor.ET_STYLE_GO, decor.WCSyncSpace)))
	}
	d.total.SetTotal(max(p.TotalRows, p.Rows, 1), false)
	d.total.SetCurrent(p.Rows)
	for _, t := range p.Tables {
		bar := d.table[t.Table]
		if bar == nil && !t.Done {
			bar = d.bars.AddBar(max(t.Total, 1), mpb.BarRemoveOnComplete(),
				mpb.PrependDecorators(decor.Name(t.Table.String(), decor.WCSyncSpaceR), decor.CountersNoUnit("%d / %d", decor.WCSyncWidth)),
				mpb.AppendDecorators(decor.AverageSpeed(nil, "%.0f rows/s", decor.WCSyncSpace), decor.AverageETA(decor.ET_STYLE_GO, decor.WCSyncSpace)))
			d.table[t.Table] = bar
		}
		if bar == nil {
			continue
		}
		bar.SetTotal(max(t.Total, t.Rows, 1), false)
		bar.SetCurrent(t.Rows)
		if t.Done {
			bar.SetTotal(t.Rows, true)
			delete(d.table, t.Table)
		}
	}
}

func (d *Display) log(p pipeline.Progress) {
	for _, t := range p.Tables {
		if t.Done {
			fmt.Fprintf(d.w, "%s%s: %s rows in %s\n", d.prefix, t.Table, Thousands(t.Rows), t.Elapsed.Round(time.Millisecond))
		}
	}
	if now := time.Now(); now.Sub(d.last) >= d.every {
		d.last = now
		pct := ""
		if p.TotalRows > 0 {
			pct = fmt.Sprintf(" (%d%%)", min(p.Rows*100/p.TotalRows, 100))
		}
		rate := float64(p.BytesIn) / max(time.Since(d.start).Seconds(), 1e-3)
		fmt.Fprintf(d.w, "%sprogress: %s/%s rows%s, %.1f MB/s\n", d.prefix, Thousands(p.Rows), Thousands(p.TotalRows), pct, rate/1e6)
	}
}

// Close stops drawing; the terminal is left on a fresh line.
func (d *Display) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.bars == nil {
		return
	}
	for _, b := range d.table {
		b.Abort(true)
	}
	if d.total != nil {
		d.total.SetTotal(d.total.Current(), true)
	}
	d.bars.Wait()
	d.bars = nil
}

// Thousands formats n with thousands separators: 1,234,567.
func Thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
