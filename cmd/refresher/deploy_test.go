//go:build linux

package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"

	"github.com/understudy-db/understudy/refresher"
)

// The deployment examples in deploy/ are checked with the real tools
// where this machine has them (docker, kubectl with a cluster,
// systemd-analyze), and parsed and checked here in any case.

const deployDir = "../../deploy"

func fakeEnv(k string) string {
	return map[string]string{"PROD_URL": "postgres://reader@prod/shop", "STAGING_ADMIN_URL": "postgres://admin@staging/postgres",
		"ALERT_WEBHOOK": "https://hooks.example.com/x"}[k]
}

func TestDeployExampleConfig(t *testing.T) {
	cfg, err := refresher.LoadConfig(filepath.Join(deployDir, "refresher.example.yaml"), fakeEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Jobs) != 1 || cfg.Jobs[0].Schedule == nil || cfg.Listen == "" {
		t.Errorf("example config: %+v", cfg)
	}
}

// docs splits a YAML stream into its documents.
func docs(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var out []map[string]any
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, d)
	}
}

// dig follows keys (string for a map, int for a list) through YAML.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func TestDeployKubernetes(t *testing.T) {
	path := filepath.Join(deployDir, "kubernetes", "refresher-cronjob.yaml")
	if kubectl, err := exec.LookPath("kubectl"); err == nil {
		out, err := exec.Command(kubectl, "apply", "--dry-run=client", "-f", path).CombinedOutput()
		switch {
		case err == nil:
			t.Logf("kubectl --dry-run=client: %s", out)
		case bytes.Contains(out, []byte("connection refused")) || bytes.Contains(out, []byte("unable to recognize")):
			t.Logf("kubectl has no cluster to check against; the manifest is checked here")
		default:
			t.Errorf("kubectl apply --dry-run=client: %v\n%s", err, out)
		}
	}
	var cm, cj map[string]any
	for _, d := range docs(t, path) {
		if d["apiVersion"] == nil || dig(d, "metadata", "name") == nil {
			t.Errorf("a document without apiVersion or metadata.name: %v", d)
		}
		switch d["kind"] {
		case "ConfigMap":
			cm = d
		case "CronJob":
			cj = d
		}
	}
	if cm == nil || cj == nil || cj["apiVersion"] != "batch/v1" {
		t.Fatal("want a ConfigMap and a batch/v1 CronJob")
	}
	if _, err := cron.ParseStandard(dig(cj, "spec", "schedule").(string)); err != nil {
		t.Errorf("schedule: %v", err)
	}
	if dig(cj, "spec", "concurrencyPolicy") != "Forbid" {
		t.Error("concurrencyPolicy is not Forbid")
	}
	pod := dig(cj, "spec", "jobTemplate", "spec", "template", "spec")
	if dig(pod, "securityContext", "runAsNonRoot") != true || dig(pod, "restartPolicy") != "Never" {
		t.Error("the pod must run as non-root and not restart")
	}
	c := dig(pod, "containers", 0)
	if args, _ := dig(c, "args").([]any); len(args) == 0 || args[0] != "--once" {
		t.Errorf("the container's args: %v, want --once", dig(c, "args"))
	}
	// The mounted config is a valid refresher config, and its rules path
	// is where the rules are mounted.
	dir := t.TempDir()
	mounts := map[string]string{}
	for i := 0; dig(c, "volumeMounts", i) != nil; i++ {
		mounts[dig(c, "volumeMounts", i, "subPath").(string)] = dig(c, "volumeMounts", i, "mountPath").(string)
	}
	for key, mount := range mounts {
		rel, err := filepath.Rel("/etc/understudy", mount)
		if err != nil || strings.HasPrefix(rel, "..") {
			t.Fatalf("%s is mounted outside /etc/understudy", key)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755)
		write(t, filepath.Join(dir, rel), dig(cm, "data", key).(string))
	}
	cfg, err := refresher.LoadConfig(filepath.Join(dir, "refresher.yaml"), fakeEnv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cfg.Jobs[0].Rules); err != nil {
		t.Errorf("the config's rules are not mounted: %v", err)
	}
}

func TestDeploySystemd(t *testing.T) {
	dir := filepath.Join(deployDir, "systemd")
	service, err := os.ReadFile(filepath.Join(dir, "understudy-refresher.service"))
	if err != nil {
		t.Fatal(err)
	}
	timer, err := os.ReadFile(filepath.Join(dir, "understudy-refresher.timer"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[Service]", "Type=oneshot", "ExecStart=/usr/local/bin/refresher --config /etc/understudy/refresher.yaml --once", "User="} {
		if !bytes.Contains(service, []byte(want)) {
			t.Errorf("the service lacks %q", want)
		}
	}
	for _, want := range []string{"[Timer]", "OnCalendar=", "Unit=understudy-refresher.service", "[Install]"} {
		if !bytes.Contains(timer, []byte(want)) {
			t.Errorf("the timer lacks %q", want)
		}
	}
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze: the units are checked by content only")
	}
	// verify wants ExecStart's program to exist: this test binary stands in.
	tmp := t.TempDir()
	write(t, filepath.Join(tmp, "understudy-refresher.service"), strings.ReplaceAll(string(service), "/usr/local/bin/refresher", os.Args[0]))
	write(t, filepath.Join(tmp, "understudy-refresher.timer"), string(timer))
	cmd := exec.Command(sa, "verify", "understudy-refresher.service", "understudy-refresher.timer")
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func TestDeployAlertRule(t *testing.T) {
	path := filepath.Join(deployDir, "prometheus", "alerts.yaml")
	if promtool, err := exec.LookPath("promtool"); err == nil {
		if out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err != nil {
			t.Errorf("promtool check rules: %v\n%s", err, out)
		}
	}
	d := docs(t, path)
	if len(d) != 1 {
		t.Fatalf("%d documents", len(d))
	}
	var exprs []string
	for i := 0; dig(d[0], "groups", 0, "rules", i) != nil; i++ {
		r := dig(d[0], "groups", 0, "rules", i)
		if dig(r, "alert") == nil || dig(r, "expr") == nil {
			t.Errorf("rule %d lacks alert or expr", i)
			continue
		}
		exprs = append(exprs, dig(r, "expr").(string))
	}
	// Every metric an alert uses is one the refresher serves.
	served := map[string]bool{"understudy_last_success_timestamp_seconds": true, "understudy_last_run_success": true}
	metric := regexp.MustCompile(`understudy_[a-z_]+`)
	for _, e := range exprs {
		for _, m := range metric.FindAllString(e, -1) {
			if !served[m] {
				t.Errorf("alert expression uses %s, which is not served", m)
			}
		}
	}
	if !strings.Contains(strings.Join(exprs, "\n"), "understudy_last_success_timestamp_seconds") {
		t.Error("no alert on a stale staging copy")
	}
}

func TestDeployDockerfile(t *testing.T) {
	path := filepath.Join(deployDir, "Dockerfile")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	froms := regexp.MustCompile(`(?m)^FROM `).FindAllStringIndex(text, -1)
	user := regexp.MustCompile(`(?m)^USER (\S+)`).FindStringSubmatch(text)
	if len(froms) < 2 || user == nil || strings.HasPrefix(user[1], "root") || user[1] == "0" || !strings.Contains(text, "postgresql-client-${PG_MAJOR}") {
		t.Errorf("the Dockerfile must be multi-stage, run as a non-root USER and install the matching pg_dump")
	}
	docker, err := exec.LookPath("docker")
	if err != nil || exec.Command(docker, "info").Run() != nil {
		t.Skip("no Docker daemon: the Dockerfile is checked by content only")
	}
	cmd := exec.Command(docker, "build", "-f", "deploy/Dockerfile", "-t", "understudy-refresher:test", ".")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("docker build: %v\n%s", err, out)
	}
}
