package refresher

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestCommandLine(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "rules.yaml", "version: 1\ntables: {}\n")
	config := writeFile(t, dir, "refresher.yaml", `version: 1
jobs:
  - name: shop
    source: ${PROD_URL}
    rules: rules.yaml
    target: {server: "${ADMIN_URL}", database: shop_staging}
`)
	bad := writeFile(t, dir, "bad.yaml", "version: 1\njobs:\n  - name: shop\n    sauce: x\n")
	full := env("PROD_URL", "postgres://u:"+canaryPassword+"@prod/shop", "ADMIN_URL", "postgres://a:"+canaryPassword+"@staging/postgres",
		"ANONYMIZE_SECRET", canarySecret)
	noSecret := env("PROD_URL", "postgres://u@prod/shop", "ADMIN_URL", "postgres://a@staging/postgres")
	for _, tc := range []struct {
		name   string
		args   []string
		getenv func(string) string
		code   int
		out    string // in stdout, or stderr for a failure
	}{
		{"help", []string{"--help"}, full, 0, "Examples:\n  export ANONYMIZE_SECRET"},
		{"help command", []string{"help"}, full, 0, "refresher --config FILE --once [--job NAME]"},
		{"no config", nil, full, 2, "--config FILE is required"},
		{"unknown command", []string{"--config", config, "refresh"}, full, 2, `unknown command "refresh"`},
		{"rollback without job", []string{"--config", config, "rollback"}, full, 2, "rollback needs --job NAME"},
		{"rollback of an unknown job", []string{"--config", config, "rollback", "nope"}, full, 2, `no job "nope"`},
		{"two arguments", []string{"--config", config, "status", "shop"}, full, 2, `unexpected argument "shop"`},
		{"once with a command", []string{"--config", config, "--once", "status"}, full, 2, "does not go with status"},
		{"unknown job", []string{"--config", config, "--once", "--job", "nope"}, full, 2, `no job "nope"`},
		{"bad flag", []string{"--config", config, "--onse"}, full, 2, "flag provided but not defined: -onse"},
		{"config error", []string{"--config", bad, "check"}, full, 2, filepath.Join(dir, "bad.yaml") + `:4: unknown key "sauce"`},
		{"no secret", []string{"--config", config, "check"}, noSecret, 2, "no masking secret"},
		{"check", []string{"check", "--config", config}, full, 0, "OK: 1 job(s)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), tc.args, &stdout, &stderr, tc.getenv)
			out := stdout.String()
			if code != 0 {
				out = stderr.String()
			}
			if code != tc.code || !strings.Contains(out, tc.out) {
				t.Errorf("exit %d, want %d with %q:\nstdout: %s\nstderr: %s", code, tc.code, tc.out, stdout.String(), stderr.String())
			}
			noLeak(t, "the output", stdout.String()+stderr.String())
		})
	}
}
