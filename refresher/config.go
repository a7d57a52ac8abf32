// Package refresher keeps staging databases fresh: on a schedule (or once),
// each job anonymizes a source into a fresh database beside staging,
// verifies it, runs the team's hooks and checks against it, and swaps it in
// by renames, keeping previous copies for rollback.
package refresher

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"
)

// Config is a parsed refresher config file (version 1).
type Config struct {
	Path   string
	Listen string // host:port of /healthz, /status, /metrics; "" for none
	Jobs   []*Job
}

// Job is one staging database kept fresh. Its strings hold secrets once
// ${VAR} is expanded (Source, Target.Server, Notify.Webhook): log them only
// through Job's methods, which redact.
type Job struct {
	Name string
	Line int
	// Schedule is nil for a job without schedule:, run only by --once.
	Schedule     cron.Schedule
	ScheduleText string
	Location     *time.Location
	// Source is a database connection string, or (SourceFile) a plain
	// dump path or glob whose newest match is used.
	Source       string
	SourceIsFile bool
	Rules        string // path
	Subset       string // TABLE=PCT%, overriding the rules file's subset
	SecretFile   string // "" reads ANONYMIZE_SECRET
	Parallel     int    // tables copied at once; 0 is one per CPU
	Target       Target
	KeepPrevious int
	Timeout      time.Duration // of one attempt
	Retries      Retries
	AfterLoad    []string // shell commands, run in Dir
	Checks       []string // SQL queries that must each return true
	Notify       Notify
	Dir          string // the config file's directory: hooks run there
}

// Target is the staging server and database.
type Target struct {
	Server   string // admin connection string (any database but Database)
	Database string
}

// Retries says how often a failed run is tried again, and after how long.
type Retries struct {
	Count   int
	Backoff time.Duration
}

// Notify says where run results are posted.
type Notify struct {
	Webhook              string
	OnFailure, OnSuccess bool
}

// Defaults of a job's optional keys.
const (
	DefaultKeepPrevious = 1
	DefaultTimeout      = 12 * time.Hour
	DefaultBackoff      = time.Minute
)

// maxDatabase is the longest staging database name: PostgreSQL names hold
// 63 bytes, and the previous copies add "__prev_20060102T150405Z".
const maxDatabase = 63 - len(prevInfix+prevLayout)

// ConfigError is a mistake in a config file, located by file and line.
type ConfigError struct {
	File string
	Line int
	Msg  string
}

func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// ConfigErrors is every mistake found, so one run shows them all.
type ConfigErrors []*ConfigError

func (es ConfigErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// LoadConfig reads and parses a config file; getenv resolves ${VAR}.
func LoadConfig(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &ConfigError{File: path, Msg: fmt.Sprintf("cannot read the config: %v", err)}
	}
	return ParseConfig(path, data, getenv)
}

// at is a value with the line it was written on.
type at[T any] struct {
	V    T
	Line int
	Set  bool
}

func (a *at[T]) UnmarshalYAML(n *yaml.Node) error {
	a.Line, a.Set = n.Line, true
	return n.Decode(&a.V)
}

// The file's shape; yaml.v3 rejects keys it does not list.
type rawConfig struct {
	Version at[int]    `yaml:"version"`
	Listen  at[string] `yaml:"listen"`
	Jobs    []rawJob   `yaml:"jobs"`
}

type rawJob struct {
	Name       at[string] `yaml:"name"`
	Schedule   at[string] `yaml:"schedule"`
	Timezone   at[string] `yaml:"timezone"`
	Source     at[string] `yaml:"source"`
	Rules      at[string] `yaml:"rules"`
	Subset     at[string] `yaml:"subset"`
	SecretFile at[string] `yaml:"secret_file"`
	Parallel   at[int]    `yaml:"parallel"`
	Target     struct {
		Server   at[string] `yaml:"server"`
		Database at[string] `yaml:"database"`
	} `yaml:"target"`
	KeepPrevious at[int]    `yaml:"keep_previous"`
	Timeout      at[string] `yaml:"timeout"`
	Retries      struct {
		Count   at[int]    `yaml:"count"`
		Backoff at[string] `yaml:"backoff"`
	} `yaml:"retries"`
	Hooks struct {
		AfterLoad at[[]string] `yaml:"after_load"`
	} `yaml:"hooks"`
	Checks at[[]string] `yaml:"checks"`
	Notify struct {
		Webhook at[string]   `yaml:"webhook"`
		On      at[[]string] `yaml:"on"`
	} `yaml:"notify"`
}

// typeErrorLine reads yaml.v3's "line N: message".
var typeErrorLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// notFound is yaml.v3's message for an unknown key.
var notFound = regexp.MustCompile(`^field (\S+) not found`)

// ParseConfig parses config file contents; path locates messages and
// relative paths.
func ParseConfig(path string, data []byte, getenv func(string) string) (*Config, error) {
	p := &configParser{file: path, getenv: getenv}
	var raw rawConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		return nil, p.yamlError(err)
	}
	cfg := p.config(&raw, jobLines(data))
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return cfg, nil
}

type configParser struct {
	file   string
	getenv func(string) string
	errs   ConfigErrors
}

func (p *configParser) errorf(line int, format string, a ...any) {
	p.errs = append(p.errs, &ConfigError{File: p.file, Line: line, Msg: fmt.Sprintf(format, a...)})
}

// yamlError turns yaml.v3's errors into located ones. A value that does
// not fit its key is reported without the value, which may be a secret.
func (p *configParser) yamlError(err error) error {
	if errors.Is(err, io.EOF) {
		return ConfigErrors{{File: p.file, Msg: "the config file is empty (it needs `version: 1` and `jobs:`)"}}
	}
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 0
		if m := typeErrorLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		return ConfigErrors{{File: p.file, Line: line, Msg: "invalid YAML: " + msg}}
	}
	var errs ConfigErrors
	for _, e := range te.Errors {
		line, msg := 0, e
		if m := typeErrorLine.FindStringSubmatch(e); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		switch m := notFound.FindStringSubmatch(msg); {
		case m != nil:
			msg = fmt.Sprintf("unknown key %q", m[1])
		case strings.HasPrefix(msg, "cannot unmarshal"):
			msg = "this value has the wrong type (" + typeOf(msg) + ")"
		}
		errs = append(errs, &ConfigError{File: p.file, Line: line, Msg: msg})
	}
	return errs
}

// typeOf is what yaml.v3 expected, from "cannot unmarshal !!str `…` into
// int", without the value.
func typeOf(msg string) string {
	if _, into, ok := strings.Cut(msg, " into "); ok {
		switch {
		case strings.HasPrefix(into, "struct"), strings.HasPrefix(into, "map["):
			return "expected a mapping"
		case strings.HasPrefix(into, "[]"):
			return "expected a list"
		}
		return "expected " + strings.TrimPrefix(into, "refresher.")
	}
	return "unexpected type"
}

// jobName is what a job may be called: it names metrics, logs and --job.
var jobName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)

// jobLines are the lines the jobs start on (a job's own errors need one).
func jobLines(data []byte) []int {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "jobs" {
			var lines []int
			for _, j := range root.Content[i+1].Content {
				lines = append(lines, j.Line)
			}
			return lines
		}
	}
	return nil
}

func (p *configParser) config(raw *rawConfig, lines []int) *Config {
	cfg := &Config{Path: p.file}
	switch {
	case !raw.Version.Set:
		p.errorf(1, "missing `version: 1`")
	case raw.Version.V != 1:
		p.errorf(raw.Version.Line, "unsupported config version %d: this refresher reads version 1", raw.Version.V)
	}
	if raw.Listen.Set {
		cfg.Listen = p.expand(raw.Listen)
		if _, _, err := net.SplitHostPort(cfg.Listen); err != nil {
			p.errorf(raw.Listen.Line, "listen must be host:port (e.g. 127.0.0.1:9187)")
		}
	}
	if len(raw.Jobs) == 0 {
		p.errorf(1, "missing `jobs:` (a list of at least one job)")
	}
	dir := filepath.Dir(p.file)
	names := map[string]int{}
	targets := map[string]string{}
	for i := range raw.Jobs {
		line := 1
		if i < len(lines) {
			line = lines[i]
		}
		j := p.job(&raw.Jobs[i], line, dir)
		if j == nil {
			continue
		}
		if first, dup := names[j.Name]; dup {
			p.errorf(j.Line, "job %q is defined twice (first at line %d)", j.Name, first)
			continue
		}
		names[j.Name] = j.Line
		if key := targetKey(j.Target); key != "" {
			if other, dup := targets[key]; dup {
				p.errorf(j.Line, "jobs %q and %q refresh the same database %s", other, j.Name, key)
			}
			targets[key] = j.Name
		}
		cfg.Jobs = append(cfg.Jobs, j)
	}
	return cfg
}

// sameServer reports whether two connection strings name the same host
// and port as written (a run also compares the servers' identities).
func sameServer(a, b string) bool {
	ca, erra := pgx.ParseConfig(a)
	cb, errb := pgx.ParseConfig(b)
	return erra == nil && errb == nil && ca.Host == cb.Host && ca.Port == cb.Port
}

func dbName(connString string) string {
	c, err := pgx.ParseConfig(connString)
	if err != nil {
		return ""
	}
	return c.Database
}

// targetKey names a target's server and database, without credentials.
func targetKey(t Target) string {
	c, err := pgx.ParseConfig(t.Server)
	if err != nil {
		return ""
	}
	return net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port))) + "/" + t.Database
}

func (p *configParser) job(r *rawJob, line int, dir string) *Job {
	before := len(p.errs)
	j := &Job{Line: line, Dir: dir, KeepPrevious: DefaultKeepPrevious, Timeout: DefaultTimeout,
		Retries: Retries{Backoff: DefaultBackoff}, Notify: Notify{OnFailure: true}, Location: time.Local}
	j.Name = r.Name.V
	switch {
	case !r.Name.Set:
		p.errorf(j.Line, "a job needs a name:")
		return nil
	case !jobName.MatchString(j.Name):
		p.errorf(r.Name.Line, "job name %q: use letters, digits, '_', '.' and '-' (it names metrics and --job)", j.Name)
	}
	if r.Timezone.Set {
		loc, err := time.LoadLocation(r.Timezone.V)
		if err != nil || r.Timezone.V == "" {
			p.errorf(r.Timezone.Line, "unknown timezone %q (an IANA name such as Europe/Amsterdam, or UTC)", r.Timezone.V)
		} else {
			j.Location = loc
		}
	}
	if r.Schedule.Set {
		j.ScheduleText = r.Schedule.V
		if strings.HasPrefix(j.ScheduleText, "TZ=") || strings.HasPrefix(j.ScheduleText, "CRON_TZ=") {
			p.errorf(r.Schedule.Line, "give the timezone as timezone:, not in the schedule")
		} else if s, err := cron.ParseStandard(j.ScheduleText); err != nil {
			p.errorf(r.Schedule.Line, "schedule %q: %v (five fields, or @daily, @hourly, @every 10m, …)", j.ScheduleText, err)
		} else {
			j.Schedule = s
		}
	}
	if !r.Source.Set {
		p.errorf(j.Line, "job %s: missing source: (a database URL, or a dump path or glob)", j.Name)
	} else {
		j.Source = p.expand(r.Source)
		j.SourceIsFile = !isConnString(j.Source)
		if j.SourceIsFile {
			j.Source = resolve(dir, j.Source)
		} else if _, err := pgx.ParseConfig(j.Source); err != nil {
			p.errorf(r.Source.Line, "source: not a valid connection string (nor a file: it looks like one)")
		}
	}
	if !r.Rules.Set || r.Rules.V == "" {
		p.errorf(j.Line, "job %s: missing rules: (the rules file's path)", j.Name)
	} else {
		j.Rules = resolve(dir, p.expand(r.Rules))
	}
	if r.Subset.Set {
		j.Subset = p.expand(r.Subset)
	}
	if r.SecretFile.Set {
		j.SecretFile = resolve(dir, p.expand(r.SecretFile))
	}
	if r.Parallel.Set {
		if r.Parallel.V < 1 {
			p.errorf(r.Parallel.Line, "parallel must be at least 1")
		}
		j.Parallel = r.Parallel.V
	}
	p.target(r, j)
	if r.KeepPrevious.Set {
		if r.KeepPrevious.V < 0 || r.KeepPrevious.V > 100 {
			p.errorf(r.KeepPrevious.Line, "keep_previous must be between 0 and 100")
		}
		j.KeepPrevious = r.KeepPrevious.V
	}
	if r.Timeout.Set {
		j.Timeout = p.duration(r.Timeout, "timeout")
	}
	if r.Retries.Count.Set {
		if r.Retries.Count.V < 0 || r.Retries.Count.V > 100 {
			p.errorf(r.Retries.Count.Line, "retries.count must be between 0 and 100")
		}
		j.Retries.Count = r.Retries.Count.V
	}
	if r.Retries.Backoff.Set {
		j.Retries.Backoff = p.duration(r.Retries.Backoff, "retries.backoff")
	}
	for _, h := range r.Hooks.AfterLoad.V {
		if strings.TrimSpace(h) == "" {
			p.errorf(r.Hooks.AfterLoad.Line, "hooks.after_load: a command is empty")
		}
		j.AfterLoad = append(j.AfterLoad, h)
	}
	for _, c := range r.Checks.V {
		if strings.TrimSpace(c) == "" {
			p.errorf(r.Checks.Line, "checks: a query is empty")
		}
		j.Checks = append(j.Checks, c)
	}
	p.notify(r, j)
	if len(p.errs) == before && !j.SourceIsFile && sameServer(j.Source, j.Target.Server) {
		if db := dbName(j.Source); db == j.Target.Database || strings.HasPrefix(db, j.Target.Database+"__") {
			p.errorf(r.Source.Line, "source is the staging database %s, or a copy beside it: the refresh would replace it", j.Target.Database)
		}
	}
	if len(p.errs) > before {
		return nil
	}
	return j
}

func (p *configParser) target(r *rawJob, j *Job) {
	t := &r.Target
	if t.Database.Set {
		j.Target.Database = p.expand(t.Database)
	}
	if !t.Server.Set {
		p.errorf(j.Line, "job %s: missing target.server (an admin connection string for the staging server)", j.Name)
	} else {
		j.Target.Server = p.expand(t.Server)
		db := j.Target.Database
		if c, err := pgx.ParseConfig(j.Target.Server); err != nil {
			p.errorf(t.Server.Line, "target.server: not a valid connection string")
		} else if t.Database.Set && (c.Database == db || strings.HasPrefix(c.Database, db+"__")) {
			// A session on staging or a copy beside it would stop the
			// renames and drops.
			p.errorf(t.Server.Line, "target.server must name another database than target.database or its copies (e.g. postgres): it stays connected while staging is renamed")
		}
	}
	if !t.Database.Set {
		p.errorf(j.Line, "job %s: missing target.database (the staging database's name)", j.Name)
		return
	}
	switch db := j.Target.Database; {
	case db == "" || len(db) > maxDatabase:
		p.errorf(t.Database.Line, "target.database must be 1 to %d bytes long (copies add %q)", maxDatabase, prevInfix+prevLayout)
	case strings.Contains(db, "__"):
		p.errorf(t.Database.Line, "target.database %q: \"__\" is reserved for the copies beside it (%s, %s…)", db, db+nextSuffix, db+prevInfix)
	case db == "postgres" || db == "template0" || db == "template1":
		p.errorf(t.Database.Line, "target.database %q is a system database", db)
	}
}

func (p *configParser) notify(r *rawJob, j *Job) {
	n := &r.Notify
	if n.Webhook.Set {
		j.Notify.Webhook = p.expand(n.Webhook)
		u, err := url.Parse(j.Notify.Webhook)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.errorf(n.Webhook.Line, "notify.webhook must be an http or https URL")
		}
	}
	if n.On.Set {
		j.Notify.OnFailure = false
		for _, on := range n.On.V {
			switch on {
			case "failure":
				j.Notify.OnFailure = true
			case "success":
				j.Notify.OnSuccess = true
			default:
				p.errorf(n.On.Line, "notify.on: %q is not failure or success", on)
			}
		}
	}
}

func (p *configParser) duration(v at[string], key string) time.Duration {
	d, err := time.ParseDuration(p.expand(v))
	if err != nil || d <= 0 {
		p.errorf(v.Line, "%s must be a positive duration such as 90s, 30m or 2h", key)
	}
	return d
}

// variable is ${NAME} in a config value; $$ is a literal $. $NAME and
// ${NAME without its brace are mistakes (a shell habit, a typo), which
// would otherwise pass through as text: a source "$PROD_URL" is a file.
var variable = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// expand replaces ${NAME} with the environment's value. An unset or empty
// variable is an error naming it (never a value).
func (p *configParser) expand(v at[string]) string {
	return variable.ReplaceAllStringFunc(v.V, func(m string) string {
		if m == "$$" {
			return "$"
		}
		if !strings.HasSuffix(m, "}") {
			// Named only if it is a variable: the text may be a
			// password's.
			if name := strings.TrimLeft(m, "${"); p.getenv(name) != "" {
				p.errorf(v.Line, "%s: write ${%s} (or $$ for a literal $)", m, name)
			} else {
				p.errorf(v.Line, "a $ that does not start ${NAME}: write ${NAME} for a variable, $$ for a literal $")
			}
			return m
		}
		name := m[2 : len(m)-1]
		val := p.getenv(name)
		if val == "" {
			p.errorf(v.Line, "${%s} is not set in the environment", name)
		}
		return val
	})
}

// isConnString tells a database connection string from a file path: a
// postgres URL, or libpq keyword=value pairs.
func isConnString(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") || kvStart.MatchString(s)
}

var kvStart = regexp.MustCompile(`^\s*[A-Za-z_]+\s*=`)

// resolve makes a relative path relative to the config file's directory.
func resolve(dir, path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(dir, path)
}
