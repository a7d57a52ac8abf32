package masking

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/understudy-db/understudy/internal/ascii"

	"github.com/understudy-db/understudy/schema"
)

// jsonMasker applies sub-rules to the values that JSON paths select in a
// json, jsonb or text column, and copies every other byte of the document
// as it was: key order, spacing and number spellings stay, so output is
// stable and nothing loses precision.
//
// Paths are a JSONPath subset: $ (the whole document), .key, ["key"] (or
// ['key']), [N], and [*] or .* (every element of an array, every member of
// an object). A path that selects nothing in a document is not an error.
// When several paths select one value, the one with fewer wildcards wins,
// then the alphabetically first.
//
// Sub-rules mask scalars. A JSON string is masked as text and stays a
// string. A number is masked from its text — by the rule built for an
// integer or numeric column when the rule takes those (number_noise,
// hash_id), else as text — and stays a number if the result is one,
// otherwise becomes a string; true and false likewise stay booleans only
// as true or false. JSON null stays null, except that const fills it (as a
// string). The null rule sets any selected value, objects and arrays
// included, to JSON null; any other rule selecting an object or array is an
// error naming the path.
//
// Exemption: a document in which the paths select nothing (or only nulls
// their rule keeps) is returned as it is (echo).
type jsonMasker struct {
	paths []jsonPath // in priority order
	// ending[d] has a bit for each path of d steps: complete at depth d.
	ending []uint64
}

type jsonPath struct {
	text  string
	steps []jsonStep
	// The sub-rule built for a text, an integer and a numeric column; nil
	// where the rule cannot fill such a column.
	asText, asInt, asNumeric Masker
	nuller                   bool
	filler                   NullFiller
}

type jsonStepKind uint8

const (
	stepKey jsonStepKind = iota
	stepIndex
	stepAny
)

type jsonStep struct {
	kind  jsonStepKind
	key   string
	index int
}

// maxJSONPaths is the number of paths a bit mask tracks while walking.
const maxJSONPaths = 64

// maxJSONDepth bounds nesting, as PostgreSQL's stack limit does.
const maxJSONDepth = 10000

var (
	errNotJSON      = errors.New("value is not valid JSON")
	errJSONTooDeep  = errors.New("JSON value is nested too deeply")
	errJSONIndexBig = errors.New("index is too large")
)

func (m *jsonMasker) Mask(s *Scratch, dst, value []byte) ([]byte, error) {
	w := jsonWalker{m: m, s: s, in: value}
	dst, err := w.value(dst, 1<<len(m.paths)-1, 0)
	if err != nil {
		return dst, err
	}
	dst = w.space(dst)
	if w.pos != len(w.in) {
		return dst, errNotJSON
	}
	return dst, nil
}

// jsonWalker copies one document to dst, masking what the paths select.
type jsonWalker struct {
	m   *jsonMasker
	s   *Scratch
	in  []byte
	pos int
}

// space copies whitespace.
func (w *jsonWalker) space(dst []byte) []byte {
	start := w.pos
	for w.pos < len(w.in) {
		switch w.in[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
			continue
		}
		break
	}
	return append(dst, w.in[start:w.pos]...)
}

// value copies or masks the value at w.pos. active has a bit for every
// path whose first depth steps lead here.
func (w *jsonWalker) value(dst []byte, active uint64, depth int) ([]byte, error) {
	if depth > maxJSONDepth {
		return dst, errJSONTooDeep
	}
	dst = w.space(dst)
	if w.pos >= len(w.in) {
		return dst, errNotJSON
	}
	var ending uint64
	if depth < len(w.m.ending) {
		ending = active & w.m.ending[depth]
	}
	active &^= ending
	c := w.in[w.pos]
	if ending != 0 {
		p := &w.m.paths[bits.TrailingZeros64(ending)]
		if c == '{' || c == '[' {
			if !p.nuller {
				return dst, fmt.Errorf("json path %s selects an object or array, but its rule masks single values", p.text)
			}
			mark := len(dst)
			dst, err := w.value(dst, 0, depth) // validates and skips
			return append(dst[:mark], "null"...), err
		}
		return w.scalar(dst, p)
	}
	switch c {
	case '{':
		return w.object(dst, active, depth)
	case '[':
		return w.array(dst, active, depth)
	case '"':
		end, _, ok := scanJSONString(w.in, w.pos)
		if !ok {
			return dst, errNotJSON
		}
		dst = append(dst, w.in[w.pos:end]...)
		w.pos = end
		return dst, nil
	}
	end := scanJSONLiteral(w.in, w.pos)
	if end < 0 {
		return dst, errNotJSON
	}
	dst = append(dst, w.in[w.pos:end]...)
	w.pos = end
	return dst, nil
}

func (w *jsonWalker) object(dst []byte, active uint64, depth int) ([]byte, error) {
	dst = append(dst, '{')
	w.pos++
	dst = w.space(dst)
	if w.pos < len(w.in) && w.in[w.pos] == '}' {
		w.pos++
		return append(dst, '}'), nil
	}
	for {
		if w.pos >= len(w.in) || w.in[w.pos] != '"' {
			return dst, errNotJSON
		}
		end, escaped, ok := scanJSONString(w.in, w.pos)
		if !ok {
			return dst, errNotJSON
		}
		raw := w.in[w.pos+1 : end-1]
		dst = append(dst, w.in[w.pos:end]...)
		w.pos = end
		var child uint64
		if active != 0 {
			key := raw
			mark := len(dst)
			if escaped {
				dst = appendUnescaped(dst, raw)
				key = dst[mark:]
			}
			child = w.m.children(active, depth, func(st *jsonStep) bool {
				return st.kind == stepKey && st.key == string(key)
			})
			dst = dst[:mark]
		}
		dst = w.space(dst)
		if w.pos >= len(w.in) || w.in[w.pos] != ':' {
			return dst, errNotJSON
		}
		dst = append(dst, ':')
		w.pos++
		var done bool
		var err error
		if dst, done, err = w.member(dst, child, depth, '}'); done || err != nil {
			return dst, err
		}
		dst = w.space(dst)
	}
}

func (w *jsonWalker) array(dst []byte, active uint64, depth int) ([]byte, error) {
	dst = append(dst, '[')
	w.pos++
	dst = w.space(dst)
	if w.pos < len(w.in) && w.in[w.pos] == ']' {
		w.pos++
		return append(dst, ']'), nil
	}
	for i := 0; ; i++ {
		var child uint64
		if active != 0 {
			child = w.m.children(active, depth, func(st *jsonStep) bool {
				return st.kind == stepIndex && st.index == i
			})
		}
		var done bool
		var err error
		if dst, done, err = w.member(dst, child, depth, ']'); done || err != nil {
			return dst, err
		}
	}
}

// member copies (and masks) one object member's value or array element and
// the ',' after it; done reports the closing bracket instead.
func (w *jsonWalker) member(dst []byte, active uint64, depth int, closer byte) (out []byte, done bool, err error) {
	if dst, err = w.value(dst, active, depth+1); err != nil {
		return dst, false, err
	}
	dst = w.space(dst)
	if w.pos >= len(w.in) {
		return dst, false, errNotJSON
	}
	switch w.in[w.pos] {
	case ',':
		w.pos++
		return append(dst, ','), false, nil
	case closer:
		w.pos++
		return append(dst, closer), true, nil
	}
	return dst, false, errNotJSON
}

// children narrows active to the paths whose step at depth matches a child.
func (m *jsonMasker) children(active uint64, depth int, match func(*jsonStep) bool) uint64 {
	var out uint64
	for a := active; a != 0; a &= a - 1 {
		i := bits.TrailingZeros64(a)
		st := &m.paths[i].steps[depth]
		if st.kind == stepAny || match(st) {
			out |= 1 << i
		}
	}
	return out
}

// scalar masks the scalar at w.pos with p's rule.
func (w *jsonWalker) scalar(dst []byte, p *jsonPath) ([]byte, error) {
	at := len(dst)
	c := w.in[w.pos]
	var (
		value    []byte
		m        Masker
		isString bool
		isNumber bool
	)
	if c == '"' {
		end, escaped, ok := scanJSONString(w.in, w.pos)
		if !ok {
			return dst, errNotJSON
		}
		value = w.in[w.pos+1 : end-1]
		w.pos = end
		if escaped {
			dst = appendUnescaped(dst, value)
			value = dst[at:]
		}
		isString = true
		m = firstMasker(p.asText, p.asNumeric)
	} else {
		end := scanJSONLiteral(w.in, w.pos)
		if end < 0 {
			return dst, errNotJSON
		}
		value = w.in[w.pos:end]
		w.pos = end
		switch c {
		case 'n':
			if p.nuller {
				return append(dst, "null"...), nil
			}
			if p.filler == nil {
				return append(dst, value...), nil
			}
			out, null := p.filler.MaskNull(w.s, dst)
			if null {
				return append(out[:at], "null"...), nil
			}
			return moveJSONString(out, at, at), nil
		case 't', 'f':
			m = p.asText
		default:
			isNumber = true
			if isJSONInteger(value) {
				m = firstMasker(p.asInt, p.asNumeric, p.asText)
			} else {
				m = firstMasker(p.asNumeric, p.asText)
			}
		}
	}
	if p.nuller {
		return append(dst[:at], "null"...), nil
	}
	if m == nil {
		return dst[:at], fmt.Errorf("json path %s selects a value its rule cannot mask (it masks %s)", p.text, p.kinds())
	}
	from := len(dst)
	out, err := m.Mask(w.s, dst, value)
	if err != nil {
		return dst[:at], fmt.Errorf("json path %s: %w", p.text, err)
	}
	masked := out[from:]
	switch {
	case isString:
	case isNumber && validJSONNumber(masked):
		n := copy(out[at:], masked)
		return out[:at+n], nil
	case !isNumber && (string(masked) == "true" || string(masked) == "false"):
		n := copy(out[at:], masked)
		return out[:at+n], nil
	}
	return moveJSONString(out, at, from), nil
}

// moveJSONString writes dst[from:] as a JSON string at dst[at:].
func moveJSONString(dst []byte, at, from int) []byte {
	enc := len(dst)
	dst = appendJSONString(dst, dst[from:enc])
	n := copy(dst[at:], dst[enc:])
	return dst[:at+n]
}

func firstMasker(ms ...Masker) Masker {
	for _, m := range ms {
		if m != nil {
			return m
		}
	}
	return nil
}

// kinds names the values p's rule can mask, for messages.
func (p *jsonPath) kinds() string {
	if p.asText == nil {
		return "numbers"
	}
	return "text"
}

// scanJSONString returns the end (after the closing quote) of the string
// starting at in[i], and whether it holds escapes.
func scanJSONString(in []byte, i int) (end int, escaped, ok bool) {
	for i++; i < len(in); i++ {
		switch c := in[i]; {
		case c == '"':
			return i + 1, escaped, true
		case c < 0x20:
			return 0, false, false
		case c == '\\':
			escaped = true
			i++
			if i >= len(in) {
				return 0, false, false
			}
			switch in[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(in) {
					return 0, false, false
				}
				for _, h := range in[i+1 : i+5] {
					if !ascii.IsHex(h) {
						return 0, false, false
					}
				}
				i += 4
			default:
				return 0, false, false
			}
		}
	}
	return 0, false, false
}

// scanJSONLiteral returns the end of the number, true, false or null at
// in[i], or -1.
func scanJSONLiteral(in []byte, i int) int {
	for _, lit := range []string{"true", "false", "null"} {
		if in[i] == lit[0] {
			if len(in)-i >= len(lit) && string(in[i:i+len(lit)]) == lit {
				return i + len(lit)
			}
			return -1
		}
	}
	return scanJSONNumber(in, i)
}

// scanJSONNumber returns the end of the number at in[i], or -1.
func scanJSONNumber(in []byte, i int) int {
	digits := func(i int) int {
		for i < len(in) && in[i] >= '0' && in[i] <= '9' {
			i++
		}
		return i
	}
	if i < len(in) && in[i] == '-' {
		i++
	}
	switch {
	case i < len(in) && in[i] == '0':
		i++
	case i < len(in) && in[i] >= '1' && in[i] <= '9':
		i = digits(i)
	default:
		return -1
	}
	if i < len(in) && in[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(in) && (in[i] == 'e' || in[i] == 'E') {
		i++
		if i < len(in) && (in[i] == '+' || in[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func validJSONNumber(b []byte) bool { return len(b) > 0 && scanJSONNumber(b, 0) == len(b) }

// isJSONInteger reports whether a valid JSON number has no fraction or
// exponent.
func isJSONInteger(b []byte) bool {
	for _, c := range b {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

// appendUnescaped decodes the inside of a valid JSON string; unpaired
// surrogates become U+FFFD, as encoding/json does.
func appendUnescaped(dst, raw []byte) []byte {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		if ctl, ok := ascii.ControlEscape(raw[i]); ok {
			dst = append(dst, ctl)
			continue
		}
		switch raw[i] {
		case 'u':
			r := hex4(raw[i+1:])
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					if d := utf16.DecodeRune(r, hex4(raw[i+3:])); d != utf8.RuneError {
						r2 = d
						i += 6
					}
				}
				r = r2
			}
			dst = utf8.AppendRune(dst, r)
		default: // " \ /
			dst = append(dst, raw[i])
		}
	}
	return dst
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		r = r<<4 | rune(ascii.HexValue(c))
	}
	return r
}

// appendJSONString appends s as a JSON string literal.
func appendJSONString(dst, s []byte) []byte {
	dst = append(dst, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// parseJSONPath parses the JSONPath subset the json masker takes.
func parseJSONPath(p string) ([]jsonStep, error) {
	if !strings.HasPrefix(p, "$") {
		return nil, errors.New("must start with $")
	}
	var steps []jsonStep
	for i := 1; i < len(p); {
		switch p[i] {
		case '.':
			i++
			if i < len(p) && p[i] == '*' {
				steps = append(steps, jsonStep{kind: stepAny})
				i++
				continue
			}
			j := i
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("empty key after the dot at position %d", i)
			}
			steps = append(steps, jsonStep{kind: stepKey, key: p[i:j]})
			i = j
		case '[':
			i++
			if i >= len(p) {
				return nil, errors.New("unclosed [")
			}
			switch c := p[i]; {
			case c == '*':
				steps = append(steps, jsonStep{kind: stepAny})
				i++
			case c == '"' || c == '\'':
				key, n, err := parsePathKey(p[i:])
				if err != nil {
					return nil, err
				}
				steps = append(steps, jsonStep{kind: stepKey, key: key})
				i += n
			case c >= '0' && c <= '9':
				j := i
				for j < len(p) && p[j] >= '0' && p[j] <= '9' {
					j++
				}
				n, err := strconv.Atoi(p[i:j])
				if err != nil || n > maxJSONIndex {
					return nil, errJSONIndexBig
				}
				if j-i > 1 && p[i] == '0' {
					return nil, fmt.Errorf("index with a leading zero at position %d", i)
				}
				steps = append(steps, jsonStep{kind: stepIndex, index: n})
				i = j
			case c == '-':
				return nil, errors.New("negative indexes are not supported")
			default:
				return nil, fmt.Errorf("expected *, a quoted key or an index after [ at position %d", i)
			}
			if i >= len(p) || p[i] != ']' {
				return nil, fmt.Errorf("expected ] at position %d", i)
			}
			i++
		default:
			return nil, fmt.Errorf("expected . or [ at position %d", i)
		}
	}
	return steps, nil
}

// maxJSONIndex keeps array indexes far from int overflow.
const maxJSONIndex = 1 << 30

// parsePathKey reads a quoted key ("…" or '…', with \\ and \ before the
// quote as the only escapes) and returns it and the bytes read.
func parsePathKey(s string) (string, int, error) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case q:
			return b.String(), i + 1, nil
		case '\\':
			i++
			if i >= len(s) || (s[i] != q && s[i] != '\\') {
				return "", 0, fmt.Errorf(`only \\ and \%c are escapes in a quoted key`, q)
			}
			b.WriteByte(s[i])
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, errors.New("unclosed quoted key")
}

func newJSON(cfg *Config) (Masker, error) {
	rules, _ := cfg.Spec.Params["paths"].(map[string]*Spec)
	if len(rules) == 0 {
		return nil, errors.New("json needs at least one path under paths")
	}
	if len(rules) > maxJSONPaths {
		return nil, fmt.Errorf("json takes at most %d paths per column", maxJSONPaths)
	}
	m := &jsonMasker{}
	c := cfg.Column
	for text, spec := range rules {
		if spec == nil {
			return nil, fmt.Errorf("json path %s has no rule", text)
		}
		steps, err := parseJSONPath(text)
		if err != nil {
			return nil, fmt.Errorf("json path %q: %v", text, err)
		}
		for _, q := range m.paths {
			if slices.Equal(q.steps, steps) {
				return nil, fmt.Errorf("json paths %s and %s select the same values", min(q.text, text), max(q.text, text))
			}
		}
		p := jsonPath{text: text, steps: steps}
		sub := func(typ string, cat Category) (Masker, error) {
			t := schema.Type{Schema: "pg_catalog", Name: typ}
			return cfg.Build(spec, &Column{Table: c.Table, Name: c.Name + text, Type: t, Base: t, Category: cat, IntMin: -1 << 63, IntMax: 1<<63 - 1})
		}
		var errText error
		if p.asText, errText = sub("text", CatText); errText != nil {
			var te *TypeError
			if !errors.As(errText, &te) {
				return nil, fmt.Errorf("json path %s: %v", text, errText)
			}
		}
		p.asInt, _ = sub("int8", CatInt)
		p.asNumeric, _ = sub("numeric", CatNumeric)
		if p.asText == nil && p.asInt == nil && p.asNumeric == nil {
			return nil, fmt.Errorf("json path %s: %v", text, errText)
		}
		probe := firstMasker(p.asText, p.asNumeric, p.asInt)
		if _, ok := probe.(RowMasker); ok {
			return nil, fmt.Errorf("json path %s: %s builds values from other columns and cannot apply inside a document", text, spec.Name)
		}
		_, p.nuller = probe.(Nuller)
		p.filler, _ = probe.(NullFiller)
		m.paths = append(m.paths, p)
	}
	slices.SortFunc(m.paths, func(a, b jsonPath) int {
		if d := wildcards(a.steps) - wildcards(b.steps); d != 0 {
			return d
		}
		return strings.Compare(a.text, b.text)
	})
	for i, p := range m.paths {
		for len(m.ending) <= len(p.steps) {
			m.ending = append(m.ending, 0)
		}
		m.ending[len(p.steps)] |= 1 << i
	}
	return m, nil
}

func wildcards(steps []jsonStep) int {
	n := 0
	for _, s := range steps {
		if s.kind == stepAny {
			n++
		}
	}
	return n
}

func init() {
	register(&Def{
		Name: "json",
		Doc:  "applies rules to the values JSON paths select, keeping the rest of the document",
		Params: []Param{{Name: "paths", Kind: ParamRules, Required: true,
			Doc: `map of JSON paths ($.a.b, $.a[*].b, $.a[0], $["a b"]) to rules for the values they select`}},
		Accepts: func(c *Column) (bool, string) {
			if c.Category == CatJSON || c.Category == CatText {
				return true, ""
			}
			return false, "it masks json, jsonb, or text holding JSON"
		},
		New: newJSON,
	})
}
