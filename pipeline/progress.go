package pipeline

import (
	"time"

	"github.com/understudy-db/understudy/dump"
)

// track registers a table in flight, for progress.
func (r *run) track(e *dump.Entry, tw *TableWriter) {
	r.mu.Lock()
	r.active[e] = tw
	r.started[e] = time.Now()
	r.mu.Unlock()
}

// finished reports a table done.
func (r *run) finished(e *dump.Entry, tw *TableWriter) {
	r.mu.Lock()
	delete(r.active, e)
	began := r.started[e]
	delete(r.started, e)
	r.mu.Unlock()
	if r.opts.Progress != nil {
		p := r.snapshot()
		p.Tables = append(p.Tables, TableProgress{Table: e.Table, Rows: tw.Rows(), Total: e.Rows, Done: true, Elapsed: time.Since(began)})
		r.opts.Progress(p)
	}
}

// snapshot is the progress so far, tables in flight included.
func (r *run) snapshot() Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := Progress{Rows: r.eng.rows.Load() + r.eng.skipped.Load(), TotalRows: r.totalRows, BytesIn: r.eng.bytesIn.Load()}
	for e, tw := range r.active {
		p.Tables = append(p.Tables, TableProgress{Table: e.Table, Rows: tw.Rows(), Total: e.Rows, Elapsed: time.Since(r.started[e])})
	}
	return p
}

// tick calls the progress callback every ProgressEvery until stopped.
func (r *run) tick() (stop func()) {
	if r.opts.Progress == nil || r.opts.ProgressEvery <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(r.opts.ProgressEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				r.opts.Progress(r.snapshot())
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
