package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOutFileEqualsStdout(t *testing.T) {
	file := filepath.Join(t.TempDir(), "shop.sql")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"--out", file, "--seed", "5", "-q"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"--out", "-", "--seed", "5", "-q"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, stdout.Bytes()) || len(got) == 0 {
		t.Fatalf("--out FILE (%d bytes) and --out - (%d bytes) differ", len(got), stdout.Len())
	}
	if stderr.Len() != 0 {
		t.Errorf("-q still wrote to stderr: %s", stderr.String())
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*.tmp")); len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--out", "a.sql", "--database", "postgres:///x"},
		{"--out", "a.sql", "--scale", "0"},
		{"--out", "a.sql", "--scale", "1000000"},
		{"--out", "a.sql", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(args, &stdout, &stderr); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	var stdout, stderr bytes.Buffer
	if err := run([]string{"--help"}, &stdout, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	if !strings.Contains(stderr.String(), "shopgen --out shop.sql --scale 10") {
		t.Errorf("--help shows no examples:\n%s", stderr.String())
	}
}
