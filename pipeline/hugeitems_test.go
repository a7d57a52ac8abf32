package pipeline

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// Huge items: dumps holding one very large COPY row or statement, for the
// memory bound "peak memory is a small multiple of the largest row or
// statement" (BenchmarkHugeItems measures it end to end; TestHugeItems
// checks the output at a smaller size).

// hugeCase is one shape of huge item.
type hugeCase struct {
	name string
	// kind is "copy" (a COPY row with a huge body field), "insert" (an
	// INSERT with a huge string literal for body, on one line) or
	// "function" (a CREATE FUNCTION whose body has huge many lines).
	kind string
	// masker masks the huge body column; "" lets it pass through while
	// the small columns of the same row are masked.
	masker string
	// rows is the number of huge rows, one after the other (0 means 1).
	rows int
}

var hugeCases = []hugeCase{
	{name: "copy-unmasked", kind: "copy"},
	{name: "copy-lorem", kind: "copy", masker: "lorem"},
	{name: "copy-scrub", kind: "copy", masker: "scrub"},
	{name: "copy-lorem-x3", kind: "copy", masker: "lorem", rows: 3},
	{name: "insert-unmasked", kind: "insert"},
	{name: "insert-lorem", kind: "insert", masker: "lorem"},
	{name: "function", kind: "function"},
}

// hugeRules returns the rules file for a case: the small personal columns
// are always masked, body only when the case says so.
func hugeRules(c hugeCase) string {
	var b strings.Builder
	b.WriteString("version: 1\nstrict: false\ntables:\n  public.docs:\n    email: email\n    name: first_name\n")
	if c.masker != "" {
		fmt.Fprintf(&b, "    body: %s\n", c.masker)
	}
	return b.String()
}

// hugeText writes n bytes of text in the syntax of the item: COPY text
// escapes (\n, \t, \\), an SQL string body (doubled quotes, no line
// breaks) or function source lines. Now and then it holds an email address
// and a phone number, for scrub to find.
func hugeText(w *bufio.Writer, kind string, n int) error {
	words := []string{"lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit",
		"sed", "do", "eiusmod", "tempor", "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua",
		"café", "naïve", "Zürich"}
	var extra []string
	switch kind {
	case "copy":
		extra = []string{`\n`, `\t`, `\\`, "it's"}
	case "insert":
		extra = []string{"it''s", `back\slash`}
	case "function":
		extra = []string{"\n  -- ", "\n  PERFORM 1;\n  -- "}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	// One block of text, repeated: generating 100 MB word by word would
	// take longer than masking it.
	var block bytes.Buffer
	for block.Len() < 1<<20 {
		switch r := rng.IntN(400); {
		case r == 0:
			block.WriteString(" contact jane.doe@example.com or +1 202 555 0143 ")
		case r < 40:
			block.WriteString(extra[rng.IntN(len(extra))])
		default:
			block.WriteString(words[rng.IntN(len(words))])
		}
		block.WriteByte(' ')
		if kind == "function" && rng.IntN(12) == 0 {
			block.WriteString("\n  -- ")
		}
	}
	blk := block.Bytes()
	for n > 0 {
		k := min(n, len(blk))
		// Do not cut an escape, a doubled quote or a UTF-8 sequence in two.
		for k < len(blk) && k > 0 && (blk[k-1] == '\\' || blk[k-1] == '\'' || blk[k] >= 0x80 && blk[k] < 0xc0) {
			k--
		}
		if _, err := w.Write(blk[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// writeHugeDump writes a dump holding one item of about size bytes, with
// small rows around it.
func writeHugeDump(out io.Writer, c hugeCase, size int) error {
	w := bufio.NewWriterSize(out, 1<<20)
	w.WriteString(`--
-- PostgreSQL database dump
--

-- Dumped from database version 17.2
-- Dumped by pg_dump version 17.2

SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);

CREATE TABLE public.docs (
    id bigint NOT NULL,
    email text,
    name text,
    body text,
    note text
);

`)
	if c.kind == "function" {
		w.WriteString("CREATE FUNCTION public.big() RETURNS integer\n    LANGUAGE plpgsql\n    AS $_$\nBEGIN\n  -- ")
		if err := hugeText(w, c.kind, size); err != nil {
			return err
		}
		w.WriteString("\n  RETURN 1;\nEND\n$_$;\n\n")
	}
	w.WriteString("COPY public.docs (id, email, name, body, note) FROM stdin;\n")
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(w, "%d\tuser%d@example.org\tName%d\tsmall body %d\tnote\n", i, i, i, i)
		for r := range max(c.rows, 1) {
			if i != 500 || c.kind != "copy" {
				break
			}
			fmt.Fprintf(w, "%d\tbig@example.org\tBig\t", 1000000+r)
			if err := hugeText(w, c.kind, size); err != nil {
				return err
			}
			w.WriteString("\tnote after\n")
		}
	}
	w.WriteString("\\.\n\n")
	if c.kind == "insert" {
		w.WriteString("INSERT INTO public.docs VALUES (2000000, 'big@example.org', 'Big', '")
		if err := hugeText(w, c.kind, size); err != nil {
			return err
		}
		w.WriteString("', 'note after');\n")
		for i := 1; i <= 100; i++ {
			fmt.Fprintf(w, "INSERT INTO public.docs VALUES (%d, 'ins%d@example.org', 'Ins%d', 'small', NULL);\n", 3000000+i, i, i)
		}
		w.WriteString("\n")
	}
	w.WriteString(`ALTER TABLE ONLY public.docs
    ADD CONSTRAINT docs_pkey PRIMARY KEY (id);

--
-- PostgreSQL database dump complete
--

`)
	return w.Flush()
}

// withThresholds runs f with bigItem and bigValue set as given.
func withThresholds(item, value int, f func()) {
	defer func(item, value int) { bigItem, bigValue = item, value }(bigItem, bigValue)
	bigItem, bigValue = item, value
	f()
}

// TestHugeItems masks a dump of each shape with an 8 MiB item (2 MiB with
// -short): the output is the same as through the paths for small items
// (thresholds out of reach), a huge value that passes through does so
// verbatim, and a masked one is gone.
func TestHugeItems(t *testing.T) {
	size := 8 << 20
	if testing.Short() {
		size = 2 << 20
	}
	for _, c := range hugeCases {
		t.Run(c.name, func(t *testing.T) {
			var dump, text bytes.Buffer
			if err := writeHugeDump(&dump, c, size); err != nil {
				t.Fatal(err)
			}
			w := bufio.NewWriter(&text)
			hugeText(w, c.kind, size)
			w.Flush()
			huge, err := maskString(t, dump.String(), hugeRules(c))
			if err != nil {
				t.Fatal(err)
			}
			var plain string
			withThresholds(1<<62, 1<<62, func() { plain, err = maskString(t, dump.String(), hugeRules(c)) })
			if err != nil {
				t.Fatal(err)
			}
			if huge != plain {
				i := 0
				for i < min(len(huge), len(plain)) && huge[i] == plain[i] {
					i++
				}
				t.Fatalf("output (%d bytes) differs from the small items' paths (%d bytes) at byte %d", len(huge), len(plain), i)
			}
			if c.kind != "function" && (strings.Contains(huge, "big@example.org") || !strings.Contains(huge, "note after")) {
				t.Fatal("the huge item's small values are not masked, or lost")
			}
			if kept := strings.Contains(huge, text.String()); kept != (c.masker == "") {
				t.Fatalf("huge value passed through: %v, masker %q", kept, c.masker)
			}
		})
	}
}

// The paths for huge items give the same output as the ordinary ones, here
// taken for every value and statement (bigItem and bigValue at 1): pieces,
// in-place decoding, literals and COPY text escaped by the writer.
func TestHugePathsDoNotChangeTheOutput(t *testing.T) {
	shop, err := os.ReadFile("../testdata/fixtures/shop.sql")
	if err != nil {
		t.Fatal(err)
	}
	shopRules, err := os.ReadFile("../rules/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	typical, err := os.ReadFile("testdata/bench-typical.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const keys = `CREATE TABLE public.k (
    id integer NOT NULL,
    code text,
    kind text,
    note text,
    label text
);

CREATE UNIQUE INDEX k_code ON public.k USING btree (code) WHERE (kind = 'a'::text);

COPY public.k (id, code, kind, note, label) FROM stdin;
1	x\\ty	a	line\\none\\\\two	l
2	z	b	\N	l
\.

INSERT INTO public.k VALUES (3, 'it''s', 'a', E'a\\nb\\\\c', 'x'::text), (4, NULL, 'b', 'q', DEFAULT);
SET standard_conforming_strings = off;
INSERT INTO public.k VALUES (5, 'back\\\\slash', 'a', 'o''k', 'y');
`
	cases := []struct{ name, dump, rules string }{
		{"shop", string(shop), string(shopRules)},
		{"typical", string(shop), string(typical)},
		{"insert", insertDump, "version: 1\ntables:\n  p:\n    id: keep\n    email: email\n    note: lorem\n    born: {use: date_shift, max_days: 10}\n  audit: skip\n"},
		{"partial", keys, "version: 1\ntables:\n  k:\n    id: keep\n    code: lorem\n    kind: keep\n    note: scrub\n    label: {use: template, template: '{{.note}}-{{.kind}}'}\n"},
		// Without the partial key, huge values are decoded in place.
		{"in place", strings.Replace(keys, "CREATE UNIQUE INDEX k_code ON public.k USING btree (code) WHERE (kind = 'a'::text);", "", 1),
			"version: 1\ntables:\n  k:\n    id: keep\n    code: lorem\n    kind: keep\n    note: scrub\n    label: {use: template, template: '{{.note}}-{{.kind}}'}\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, err := maskString(t, c.dump, c.rules)
			if err != nil {
				t.Fatal(err)
			}
			var got string
			withThresholds(1, 1, func() { got, err = maskString(t, c.dump, c.rules) })
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("output differs through the huge paths:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
