package refresher

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The example, key for key.
const exampleConfig = `version: 1
listen: 127.0.0.1:9187            # optional: /healthz, /status, /metrics
jobs:
  - name: shop
    schedule: "0 3 * * *"
    timezone: Europe/Amsterdam
    source: ${PROD_URL}            # or a dump path / glob: /backups/shop-*.dump
    rules: rules/shop.yaml
    subset: public.users=10%       # optional, overrides the rules file's subset
    target:
      server: ${STAGING_ADMIN_URL}  # admin connection to the staging server
      database: shop_staging
    keep_previous: 1
    timeout: 2h
    retries: {count: 2, backoff: 5m}
    hooks:
      after_load: ["./migrate up"]
    checks:
      - "select count(*) > 0 from users"
    notify:
      webhook: ${ALERT_WEBHOOK}
      on: [failure]
`

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

var exampleEnv = env(
	"PROD_URL", "postgres://reader:CANARY-prod@prod.internal:5432/shop",
	"STAGING_ADMIN_URL", "postgres://admin:CANARY-staging@staging.internal/postgres",
	"ALERT_WEBHOOK", "https://hooks.example.com/T000/CANARY-hook")

func TestParseExample(t *testing.T) {
	cfg, err := ParseConfig("/etc/understudy/refresher.yaml", []byte(exampleConfig), exampleEnv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:9187" || len(cfg.Jobs) != 1 {
		t.Fatalf("config = %+v", cfg)
	}
	j := cfg.Jobs[0]
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	want := []struct {
		what      string
		got, want any
	}{
		{"name", j.Name, "shop"},
		{"line", j.Line, 4},
		{"source", j.Source, "postgres://reader:CANARY-prod@prod.internal:5432/shop"},
		{"source is a file", j.SourceIsFile, false},
		{"rules", j.Rules, "/etc/understudy/rules/shop.yaml"},
		{"subset", j.Subset, "public.users=10%"},
		{"server", j.Target.Server, "postgres://admin:CANARY-staging@staging.internal/postgres"},
		{"database", j.Target.Database, "shop_staging"},
		{"keep_previous", j.KeepPrevious, 1},
		{"timeout", j.Timeout, 2 * time.Hour},
		{"retries", j.Retries, Retries{Count: 2, Backoff: 5 * time.Minute}},
		{"hooks", strings.Join(j.AfterLoad, "|"), "./migrate up"},
		{"checks", strings.Join(j.Checks, "|"), "select count(*) > 0 from users"},
		{"notify", j.Notify, Notify{Webhook: "https://hooks.example.com/T000/CANARY-hook", OnFailure: true}},
		{"location", j.Location.String(), ams.String()},
		{"dir", j.Dir, "/etc/understudy"},
		{"source name", j.SourceName(), "prod.internal:5432/shop"},
		{"target name", j.TargetName(), "staging.internal:5432/shop_staging"},
	}
	for _, w := range want {
		if w.got != w.want {
			t.Errorf("%s = %v, want %v", w.what, w.got, w.want)
		}
	}
	// 03:00 in Amsterdam, whatever the machine's zone.
	next := j.Schedule.Next(time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC).In(j.Location))
	if got := next.UTC(); !got.Equal(time.Date(2030, 1, 2, 2, 0, 0, 0, time.UTC)) {
		t.Errorf("next run = %v, want 2030-01-02 02:00 UTC", got)
	}
}

func TestParseDefaults(t *testing.T) {
	dir := t.TempDir()
	cfg, err := ParseConfig(filepath.Join(dir, "r.yaml"), []byte(`version: 1
jobs:
  - name: ci
    source: dumps/shop-*.sql
    rules: /abs/rules.yaml
    secret_file: secret
    target: {server: "host=/tmp dbname=postgres user=admin", database: ci}
`), env())
	if err != nil {
		t.Fatal(err)
	}
	j := cfg.Jobs[0]
	if cfg.Listen != "" || j.Schedule != nil || !j.SourceIsFile || j.Source != filepath.Join(dir, "dumps/shop-*.sql") ||
		j.Rules != "/abs/rules.yaml" || j.SecretFile != filepath.Join(dir, "secret") || j.KeepPrevious != DefaultKeepPrevious ||
		j.Timeout != DefaultTimeout || j.Retries != (Retries{Backoff: DefaultBackoff}) || j.Notify != (Notify{OnFailure: true}) ||
		j.Location != time.Local {
		t.Errorf("job = %+v", j)
	}
	c, err := pgx.ParseConfig(withDatabase(j.Target.Server, j.next()))
	if err != nil || c.Database != "ci__next" || c.User != "admin" {
		t.Errorf("next database: %v %v", c, err)
	}
}

func TestWithDatabase(t *testing.T) {
	for _, tc := range []struct{ in, db string }{
		{"postgres://u:p%40ss@h:5433/postgres?sslmode=disable", "shop__next"},
		{"postgresql://h/postgres", "we ird'db"},
		{"host=h port=5433 dbname=postgres password='it\\'s'", `o'k\db`},
		{"host=h", "plain"},
	} {
		orig, err := pgx.ParseConfig(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		c, err := pgx.ParseConfig(withDatabase(tc.in, tc.db))
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if c.Database != tc.db || c.Host != orig.Host || c.Port != orig.Port || c.Password != orig.Password {
			t.Errorf("%s with %q: database %q host %q port %d", tc.in, tc.db, c.Database, c.Host, c.Port)
		}
	}
}

func TestScheduleForms(t *testing.T) {
	for _, s := range []string{"@daily", "@hourly", "@every 10m", "*/5 * * * *", "0 3 * * 1-5"} {
		cfg, err := ParseConfig("r.yaml", []byte(`version: 1
jobs:
  - name: a
    schedule: "`+s+`"
    source: x.sql
    rules: r.yaml
    target: {server: "postgres://h/postgres", database: a}
`), env())
		if err != nil || cfg.Jobs[0].Schedule == nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}

// Every mistake is reported with its file and line, all of them at once,
// and none quotes a secret the environment put in the file.
func TestConfigErrors(t *testing.T) {
	const job = `version: 1
jobs:
  - name: shop
    source: ${PROD_URL}
    rules: r.yaml
    target: {server: "postgres://h/postgres", database: shop}
`
	for _, tc := range []struct {
		name, file string
		want       []string
	}{
		{"empty", "", []string{"c.yaml: the config file is empty"}},
		{"syntax", "version: 1\njobs: [\n", []string{"c.yaml:2: invalid YAML"}},
		{"no version", strings.TrimPrefix(job, "version: 1\n"), []string{"c.yaml:1: missing `version: 1`"}},
		{"version 2", "version: 2\njobs: []\n", []string{"c.yaml:1: unsupported config version 2", "c.yaml:1: missing `jobs:`"}},
		{"unknown top key", job + "listne: x\n", []string{`c.yaml:7: unknown key "listne"`}},
		{"unknown job key", strings.Replace(job, "    rules:", "    rulez: x\n    rules:", 1), []string{`c.yaml:5: unknown key "rulez"`}},
		{"unknown target key", strings.Replace(job, "database: shop}", "database: shop, port: 5}", 1), []string{`c.yaml:6: unknown key "port"`}},
		{"wrong type", job + "    keep_previous: ${KEEP}\n", []string{"c.yaml:7: this value has the wrong type (expected int)"}},
		{"unset variable", strings.Replace(job, "${PROD_URL}", "${NOPE}", 1), []string{"c.yaml:4: ${NOPE} is not set in the environment"}},
		{"bad schedule", job + "    schedule: \"61 * * * *\"\n", []string{`c.yaml:7: schedule "61 * * * *"`}},
		{"tz in schedule", job + "    schedule: \"CRON_TZ=UTC 0 3 * * *\"\n", []string{"c.yaml:7: give the timezone as timezone:"}},
		{"bad timezone", job + "    timezone: Mars/Olympus\n", []string{`c.yaml:7: unknown timezone "Mars/Olympus"`}},
		{"bad durations", job + "    timeout: forever\n    retries: {count: -1, backoff: 0s}\n", []string{
			"c.yaml:7: timeout must be a positive duration", "c.yaml:8: retries.count must be between 0 and 100", "c.yaml:8: retries.backoff must be a positive duration"}},
		{"keep_previous", job + "    keep_previous: -1\n", []string{"c.yaml:7: keep_previous must be between 0 and 100"}},
		{"reserved name", strings.Replace(job, "database: shop}", "database: shop__x}", 1), []string{`c.yaml:6: target.database "shop__x": "__" is reserved`}},
		{"long name", strings.Replace(job, "database: shop}", "database: "+strings.Repeat("d", 41)+"}", 1), []string{"c.yaml:6: target.database must be 1 to 40 bytes long"}},
		{"admin is staging", strings.Replace(job, "h/postgres", "h/shop", 1), []string{"c.yaml:6: target.server must name another database"}},
		{"bad webhook", job + "    notify: {webhook: \"ftp://x\", on: [failure, sucess]}\n", []string{
			"c.yaml:7: notify.webhook must be an http or https URL", `c.yaml:7: notify.on: "sucess" is not failure or success`}},
		{"bad source", strings.Replace(job, "${PROD_URL}", "postgres://u:${PW}@h:port/db", 1), []string{"c.yaml:4: source: not a valid connection string"}},
		{"missing keys", "version: 1\njobs:\n  - name: x\n", []string{
			"c.yaml:3: job x: missing source:", "c.yaml:3: job x: missing rules:", "c.yaml:3: job x: missing target.server", "c.yaml:3: job x: missing target.database"}},
		{"no name", "version: 1\njobs:\n  - source: x\n", []string{"c.yaml:3: a job needs a name:"}},
		{"bad name", strings.Replace(job, "name: shop", "name: shop staging", 1), []string{`c.yaml:3: job name "shop staging"`}},
		{"twice", job + strings.TrimPrefix(job, "version: 1\njobs:\n"), []string{`c.yaml:7: job "shop" is defined twice (first at line 3)`}},
		{"same target", job + strings.Replace(strings.TrimPrefix(job, "version: 1\njobs:\n"), "name: shop", "name: shop2", 1), []string{
			`c.yaml:7: jobs "shop" and "shop2" refresh the same database h:5432/shop`}},
		{"bad listen", job + "listen: 9187\n", []string{"c.yaml:7: listen must be host:port"}},
		{"$VAR without braces", strings.Replace(job, "${PROD_URL}", "$PROD_URL", 1), []string{"c.yaml:4: $PROD_URL: write ${PROD_URL} (or $$ for a literal $)"}},
		{"unclosed variable", strings.Replace(job, "${PROD_URL}", "${PROD_URL", 1), []string{"c.yaml:4: ${PROD_URL: write ${PROD_URL} (or $$ for a literal $)"}},
		{"struct wrong type", job + "    retries: 2\n", []string{"c.yaml:7: this value has the wrong type (expected a mapping)"}},
		{"list wrong type", job + "    hooks: {after_load: ./migrate}\n", []string{"c.yaml:7: this value has the wrong type (expected a list)"}},
		{"admin is a copy", strings.Replace(job, "h/postgres", "h/shop__prev_20240101T000000Z", 1), []string{"c.yaml:6: target.server must name another database"}},
		{"source is staging", strings.Replace(job, "${PROD_URL}", "postgres://h/shop__prev_x", 1), []string{"c.yaml:4: source is the staging database shop"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig("c.yaml", []byte(tc.file), env("PROD_URL", "postgres://u:CANARY-pw@h/prod", "PW", "CANARY-pw", "KEEP", "CANARY-keep"))
			var errs ConfigErrors
			if !errors.As(err, &errs) {
				t.Fatalf("err = %v (%T), want ConfigErrors", err, err)
			}
			msg := err.Error()
			if len(errs) != len(tc.want) {
				t.Errorf("%d errors, want %d:\n%s", len(errs), len(tc.want), msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("errors lack %q:\n%s", w, msg)
				}
			}
			if strings.Contains(msg, "CANARY") {
				t.Errorf("an error shows a secret:\n%s", msg)
			}
		})
	}
}

func TestPrevNames(t *testing.T) {
	j := &Job{Target: Target{Database: "shop"}}
	at := time.Date(2030, 5, 6, 7, 8, 9, 0, time.FixedZone("x", 3600))
	name := j.prevName(at)
	if name != "shop__prev_20300506T060809Z" {
		t.Errorf("prevName = %s", name)
	}
	if got, ok := j.prevTime(name); !ok || !got.Equal(at) {
		t.Errorf("prevTime(%s) = %v, %v", name, got, ok)
	}
	for _, other := range []string{"shop", "shop__next", "shop__prev_x", "shopx__prev_20300506T060809Z"} {
		if _, ok := j.prevTime(other); ok {
			t.Errorf("prevTime(%s) ok", other)
		}
	}
}
