package refresher

import (
	"encoding/json"
	"time"
)

// Report is what one run did. It is logged, served on /status, posted to
// the webhook, and kept on the copy it describes as its COMMENT ON
// DATABASE. It holds names, counts and times: never a password, a secret
// or a cell value.
type Report struct {
	Job      string      `json:"job"`
	Database string      `json:"database"` // the staging database, host:port/dbname
	Source   string      `json:"source"`   // the dump file, or host:port/dbname
	Tick     *time.Time  `json:"tick,omitempty"`
	Started  time.Time   `json:"started"`
	Finished time.Time   `json:"finished"`
	Seconds  float64     `json:"duration_seconds"`
	Attempts int         `json:"attempts"`
	Result   string      `json:"result"`          // success, failure, skipped
	Stage    string      `json:"stage,omitempty"` // where a failure happened
	Error    string      `json:"error,omitempty"`
	Rows     int64       `json:"rows"` // loaded, all tables
	Tables   []TableRows `json:"tables,omitempty"`
	// Verification lists what was verified on the new copy, passed or not.
	Verification []Finding `json:"verification,omitempty"`
	Hooks        []Outcome `json:"hooks,omitempty"`
	Checks       []Outcome `json:"checks,omitempty"`
	// Previous is the name the replaced copy was given, kept for rollback.
	Previous string `json:"previous,omitempty"`
}

// Results of a run.
const (
	Success = "success"
	Failure = "failure"
	Skipped = "skipped"
)

// TableRows counts one table's rows.
type TableRows struct {
	Table    string `json:"table"`
	Source   int64  `json:"source_rows"` // read from the source
	Loaded   int64  `json:"rows"`        // in the copy
	Expected int64  `json:"expected"`    // all, none (skipped), or the subset's
	Skipped  bool   `json:"skipped,omitempty"`
}

// Finding is one verified property of the new copy.
type Finding struct {
	Kind   string `json:"kind"`   // constraint, rows, sequence
	Object string `json:"object"` // what it is about
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// Outcome is a hook's or a check's result.
type Outcome struct {
	Name    string  `json:"name"`
	OK      bool    `json:"ok"`
	Seconds float64 `json:"duration_seconds"`
	Detail  string  `json:"detail,omitempty"`
}

// comment is the report as the database comment of the copy.
func (r *Report) comment() string {
	b, _ := json.Marshal(r)
	return string(b)
}

// parseReport reads a report back from a database comment; nil when the
// comment is not one.
func parseReport(comment string) *Report {
	var r Report
	if json.Unmarshal([]byte(comment), &r) != nil || r.Job == "" {
		return nil
	}
	return &r
}
