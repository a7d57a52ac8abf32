package masking

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The golden test pins every masker's exact output for a fixed secret: the
// conformance cases' values and the extra inputs below. Masked data must
// be reproducible across versions as well as runs (a dump masked today
// must join with one masked after an upgrade), so a changed output is a
// breaking change that needs a deliberate
//
//	go test ./masking -run TestGolden -update
//
// and a note in the changelog.

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden.jsonl from the current maskers")

const goldenFile = "testdata/golden.jsonl"

// goldenSecret is the secret the golden outputs are computed with.
const goldenSecret = "golden-secret"

// goldenExtra lists inputs beyond the conformance values, per masker, that
// reach branches the samples do not: edge lengths, error paths, rare forms.
var goldenExtra = map[string][]string{
	"hash_id":     {"0", "1", "-1", "2", "65535", "65536", "65537", "-65536", "-65537", "131071", "131072", "200000", "600000", "10000000000", "-9223372036854775808", "1023", "1024", "-1024", "-1025", "+5", "x"},
	"ip":          {"10.1.128.0/17", "172.16.0.0/13", "192.168.0.0/23", "10.0.0.0/9", "192.168.1.0/25", "1.2.3.4/0", "1.2.3.4/8", "1.2.3.4/9", "1.2.3.4/31", "2001:db8::/33", "::/0", "fd00::1/8"},
	"lorem":       {"e", "i", "a", "et", "ut", "E", "\n", "x y"},
	"credit_card": {"4000 0000 0000 0000 006", "6011000990139424123", "412345678901", "4123456789012", "5105105105105100", "0000 0000 0000 0000"},
}

// goldenCase is one masker configuration with its golden inputs.
type goldenCase struct {
	spec   Spec
	col    *Column
	values []string
}

// goldenCases lists the conformance cases, with goldenExtra's inputs added
// to each, and extraGoldenCases.
func goldenCases() []goldenCase {
	var out []goldenCase
	for _, cc := range conformanceCases {
		values := slices.Clone(cc.values)
		if !cc.col.Array {
			values = append(values, goldenExtra[cc.spec.Name]...)
		}
		out = append(out, goldenCase{spec: cc.spec, col: cc.col, values: values})
	}
	return append(out, extraGoldenCases...)
}

// extraGoldenCases are configurations the conformance suite does not have.
var extraGoldenCases = []goldenCase{
	{spec: Spec{Name: "phone", Params: map[string]any{"fictional": true}}, col: col(CatText, "text"), values: []string{
		"(02) 9876 5432", "+61 3 9876 5432", "03 9876 5432", "0398765432", "+61 7 1234 0000", "08 1111 2222", "+61 2 0000 0001",
		"0412 345 678", "+61412345678", "+44 20 1234 5678", "07911 123456", "0044 7911 123456", "020 7946 0123",
		"(415) 867-5309", "+1 212 555 0100", "1-800-555-0199", "4158675309", "14158675309", "+1 (911) 111-1111",
		"+49 30 1234567", "+33 1 23 45 67 89", "12345", "+44", "", "020", "+44 20 12", "+61 2 9876 5432 x12",
	}},
	{spec: Spec{Name: "phone", Params: map[string]any{"fictional": true}}, col: col(CatText, "varchar", 13), values: []string{
		"+44 20123", "(02) 9876", "+1 415 867", "0412 34", "020 7946 0123 4",
	}},
}

type goldenEntry struct {
	Case string `json:"case"`
	Out  string `json:"out,omitempty"`
	Null bool   `json:"null,omitempty"`
	Err  string `json:"err,omitempty"`
}

// goldenKey names a (rule, column, input) triple.
func goldenKey(spec *Spec, c *Column, in string) string {
	typ := c.TypeName()
	if c.Array {
		typ += "[]"
	}
	if c.Unique {
		typ += " unique"
	}
	for _, ch := range c.Checks {
		typ += " check(" + ch.Re.String() + ")"
	}
	return fmt.Sprintf("%s on %s: %q", spec.Label(), typ, in)
}

func TestGolden(t *testing.T) {
	opts := testOptions(goldenSecret)
	got := map[string]goldenEntry{}
	for _, gc := range goldenCases() {
		spec := gc.spec
		m, err := Build(&spec, gc.col, opts)
		if err != nil {
			t.Fatalf("build %s on %s: %v", spec.Label(), gc.col.TypeName(), err)
		}
		for _, v := range gc.values {
			key := goldenKey(&spec, gc.col, v)
			out, null, err := apply(m, gc.col, NewScratch(), v)
			e := goldenEntry{Case: key, Out: out, Null: null}
			if err != nil {
				e = goldenEntry{Case: key, Err: err.Error()}
			}
			if prev, dup := got[key]; dup && prev != e {
				t.Fatalf("%s: two configurations with one key give %+v and %+v", key, prev, e)
			}
			got[key] = e
		}
	}

	if *updateGolden {
		keys := make([]string, 0, len(got))
		for k := range got {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		for _, k := range keys {
			if err := enc.Encode(got[k]); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.MkdirAll(filepath.Dir(goldenFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenFile, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d entries to %s", len(keys), goldenFile)
		return
	}

	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatalf("%v (run go test ./masking -run TestGolden -update)", err)
	}
	defer f.Close()
	want := map[string]goldenEntry{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e goldenEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("%s: %v", goldenFile, err)
		}
		want[e.Case] = e
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var missing, stale []string
	for k, g := range got {
		w, ok := want[k]
		if !ok {
			missing = append(missing, k)
			continue
		}
		if g != w {
			t.Errorf("%s:\n got %+v\nwant %+v", k, g, w)
		}
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			stale = append(stale, k)
		}
	}
	if len(missing) > 0 || len(stale) > 0 {
		slices.Sort(missing)
		slices.Sort(stale)
		t.Errorf("%s is out of date (run go test ./masking -run TestGolden -update):\nnot in the file:\n  %s\nno longer tested:\n  %s",
			goldenFile, strings.Join(missing, "\n  "), strings.Join(stale, "\n  "))
	}
}
