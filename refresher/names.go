package refresher

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/understudy-db/understudy/dump/live"
)

// The databases beside staging: <db>__next while a copy loads, and
// <db>__prev_<UTC time it was replaced> for rollback.
const (
	nextSuffix = "__next"
	prevInfix  = "__prev_"
	prevLayout = "20060102T150405Z"
)

// next is the name a job's copy loads under.
func (j *Job) next() string { return j.Target.Database + nextSuffix }

// prevName is the name of the copy replaced at t.
func (j *Job) prevName(t time.Time) string {
	return j.Target.Database + prevInfix + t.UTC().Format(prevLayout)
}

// prevTime reads a previous copy's name; ok is false for other names.
func (j *Job) prevTime(name string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(name, j.Target.Database+prevInfix)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(prevLayout, rest)
	return t, err == nil
}

// SourceName names the job's source for logs and reports: the file, or
// host:port/dbname, never a password.
func (j *Job) SourceName() string {
	if j.SourceIsFile {
		return j.Source
	}
	return redact(j.Source)
}

// TargetName names the staging database, host:port/dbname.
func (j *Job) TargetName() string {
	return redact(withDatabase(j.Target.Server, j.Target.Database))
}

// redact names a connection string's database, host:port/dbname, never its
// password.
func redact(connString string) string { return live.Redact(connString) }

// withDatabase is connString naming database db instead.
func withDatabase(connString, db string) string {
	for _, scheme := range []string{"postgres://", "postgresql://"} {
		if strings.HasPrefix(connString, scheme) {
			u, err := url.Parse(connString)
			if err != nil {
				break
			}
			u.Path, u.RawPath = "/"+db, ""
			return u.String()
		}
	}
	// keyword=value: the last dbname given wins.
	return fmt.Sprintf("%s dbname='%s'", connString, strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(db))
}

// ident quotes a name for SQL.
func ident(name string) string { return pgx.Identifier{name}.Sanitize() }
