package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCaseMutants: only NOT COVERED mutants whose operator is in a case
// expression are picked, each with the replacement gremlins makes, and
// the report is rewritten through the status they carry.
func TestCaseMutants(t *testing.T) {
	dir := t.TempDir()
	src := "package p\n\nfunc f(n, m int) int {\n\tswitch {\n\tcase n >= 1<<20:\n\t\treturn n - 1\n\tcase -n == m:\n\t\treturn 0\n\t}\n\tif n < m {\n\t\treturn 1\n\t}\n\treturn 2\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	col := func(line, sub string) int { return strings.Index(line, sub) + 1 }
	lines := strings.Split(src, "\n")
	rep := map[string]any{}
	raw := `{"files":[{"file_name":"p.go","mutations":[
		{"type":"CONDITIONALS_BOUNDARY","status":"NOT COVERED","line":5,"column":` + strconv.Itoa(col(lines[4], ">=")) + `},
		{"type":"CONDITIONALS_NEGATION","status":"LIVED","line":5,"column":` + strconv.Itoa(col(lines[4], ">=")) + `},
		{"type":"ARITHMETIC_BASE","status":"NOT COVERED","line":6,"column":` + strconv.Itoa(col(lines[5], "-")) + `},
		{"type":"INVERT_NEGATIVES","status":"NOT COVERED","line":7,"column":` + strconv.Itoa(col(lines[6], "-")) + `},
		{"type":"CONDITIONALS_NEGATION","status":"NOT COVERED","line":7,"column":` + strconv.Itoa(col(lines[6], "==")) + `},
		{"type":"CONDITIONALS_BOUNDARY","status":"NOT COVERED","line":10,"column":` + strconv.Itoa(col(lines[9], "<")) + `},
		{"type":"CONDITIONALS_BOUNDARY","status":"NOT COVERED","line":99,"column":1}]}]}`
	if err := json.Unmarshal([]byte(raw), &rep); err != nil {
		t.Fatal(err)
	}
	ms, err := caseMutants(rep, dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		if src[m.off:m.off+len(m.from.String())] != m.from.String() {
			t.Errorf("%s at %d:%d: offset %d holds %q", m.typ, m.line, m.col, m.off, src[m.off:m.off+2])
		}
		got = append(got, m.typ+" "+m.from.String()+"→"+m.to.String())
	}
	want := "CONDITIONALS_BOUNDARY >=→> INVERT_NEGATIVES -→+ CONDITIONALS_NEGATION ==→!="
	if strings.Join(got, " ") != want {
		t.Errorf("picked %q, want %q", strings.Join(got, " "), want)
	}
	*ms[0].status = "KILLED"
	enc, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(enc), `"status":"KILLED"`) || strings.Count(string(enc), `"NOT COVERED"`) != 5 {
		t.Errorf("report %s", enc)
	}
}
