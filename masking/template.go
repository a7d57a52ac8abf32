package masking

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"
	"unicode/utf8"
)

// templateMasker builds a value from other columns of the same row, after
// they are masked: {{.first_name}} {{.last_name}}. Columns are referenced as
// {{.name}}, {{$.name}} or, for names that are not identifiers,
// {{index . "E-mail"}}; a NULL column reads as the empty string. Besides
// text/template's built-ins, lower and upper change case. The result is cut
// to the column's length.
//
// Exemption: the output depends on the secret only through the masked
// columns it reads, not by itself ("secret").
type templateMasker struct {
	t      *template.Template
	inputs []string
	// parts is the template when it holds only text and {{.column}}:
	// rendered directly, without text/template's reflection.
	parts []templatePart
	max   int
	state *sync.Pool // of *templateState
}

type templatePart struct {
	text   string
	column string // set for a column reference
	prec   int    // {{printf "%.Ns" .column}}: at most N characters; -1: all (columns only)
}

type templateState struct {
	data map[string]string
	out  appendWriter
}

type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

var (
	errTemplateNeedsRow = errors.New("template builds values from the row; it cannot mask a value on its own")
	// A failing template's own error may quote a column's value.
	errTemplateFailed = errors.New("template failed on this row's values")
)

func (m *templateMasker) Inputs() []string { return m.inputs }

func (m *templateMasker) Mask(*Scratch, []byte, []byte) ([]byte, error) {
	return nil, errTemplateNeedsRow
}

func (m *templateMasker) MaskRow(_ *Scratch, dst []byte, row func(column string) (value []byte, null bool)) ([]byte, error) {
	start := len(dst)
	if m.parts != nil {
		for _, p := range m.parts {
			if p.column == "" {
				dst = append(dst, p.text...)
			} else if v, null := row(p.column); !null {
				if p.prec >= 0 {
					v = firstRunes(v, p.prec)
				}
				dst = append(dst, v...)
			}
		}
		return fit(dst, start, m.max), nil
	}
	st := m.state.Get().(*templateState)
	defer m.state.Put(st)
	for _, c := range m.inputs {
		v, _ := row(c) // NULL has no bytes: the empty string
		st.data[c] = string(v)
	}
	st.out.b = st.out.b[:0]
	if err := m.t.Execute(&st.out, st.data); err != nil {
		return dst, errTemplateFailed
	}
	dst = append(dst, st.out.b...)
	return fit(dst, start, m.max), nil
}

// templateStandIn is long enough for templates that slice column values.
var templateStandIn = strings.Repeat("x", 64)

var templateFuncs = template.FuncMap{"lower": strings.ToLower, "upper": strings.ToUpper}

func newTemplate(cfg *Config) (Masker, error) {
	src := cfg.String("template", "")
	t, err := template.New("template").Funcs(templateFuncs).Option("missingkey=zero").Parse(src)
	if err != nil {
		return nil, fmt.Errorf("template does not parse: %v", err)
	}
	var inputs []string
	for _, tt := range t.Templates() {
		if tt.Tree == nil {
			continue
		}
		if err := templateColumns(tt.Tree.Root, &inputs); err != nil {
			return nil, err
		}
	}
	if len(inputs) == 0 {
		return nil, errors.New("template references no column; write {{.column}} for each column it reads")
	}
	slices.Sort(inputs)
	inputs = slices.Compact(inputs)
	if slices.Contains(inputs, cfg.Column.Name) {
		return nil, fmt.Errorf("template of column %s reads the column itself", cfg.Column.Name)
	}
	m := &templateMasker{t: t, inputs: inputs, max: cfg.Column.MaxChars, parts: templateParts(t.Tree.Root)}
	m.state = &sync.Pool{New: func() any { return &templateState{data: make(map[string]string, len(inputs))} }}
	// A dry run with stand-in values reports mistakes such as ranging over a
	// column now, with the template's full error; on real rows the error
	// could quote a value, so it is not passed on.
	st := m.state.Get().(*templateState)
	for _, c := range inputs {
		st.data[c] = templateStandIn
	}
	if err := t.Execute(&st.out, st.data); err != nil {
		return nil, fmt.Errorf("template cannot run on text columns: %v", err)
	}
	m.state.Put(st)
	return m, nil
}

// templateColumns adds the columns node reads to cols.
func templateColumns(node parse.Node, cols *[]string) error {
	switch n := node.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := templateColumns(c, cols); err != nil {
				return err
			}
		}
	case *parse.ActionNode:
		return templateColumns(n.Pipe, cols)
	case *parse.IfNode:
		return templateBranch(&n.BranchNode, cols)
	case *parse.RangeNode:
		return templateBranch(&n.BranchNode, cols)
	case *parse.WithNode:
		return templateBranch(&n.BranchNode, cols)
	case *parse.TemplateNode:
		return templateColumns(n.Pipe, cols)
	case *parse.PipeNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Cmds {
			if err := templateColumns(c, cols); err != nil {
				return err
			}
		}
	case *parse.CommandNode:
		// index . "column name"
		if len(n.Args) == 3 {
			if id, ok := n.Args[0].(*parse.IdentifierNode); ok && id.Ident == "index" && isDot(n.Args[1]) {
				if s, ok := n.Args[2].(*parse.StringNode); ok {
					*cols = append(*cols, s.Text)
					return nil
				}
			}
		}
		for _, a := range n.Args {
			if err := templateColumns(a, cols); err != nil {
				return err
			}
		}
	case *parse.ChainNode:
		return templateColumns(n.Node, cols)
	case *parse.FieldNode:
		return templateField(n.Ident, n.String(), cols)
	case *parse.VariableNode:
		if n.Ident[0] == "$" && len(n.Ident) > 1 {
			return templateField(n.Ident[1:], n.String(), cols)
		}
	}
	return nil
}

func templateBranch(n *parse.BranchNode, cols *[]string) error {
	for _, c := range []parse.Node{n.Pipe, n.List, n.ElseList} {
		if err := templateColumns(c, cols); err != nil {
			return err
		}
	}
	return nil
}

func templateField(ident []string, text string, cols *[]string) error {
	if len(ident) > 1 {
		return fmt.Errorf("template: %s reads a field of column %s, but column values are text", text, ident[0])
	}
	*cols = append(*cols, ident[0])
	return nil
}

func isDot(n parse.Node) bool {
	if _, ok := n.(*parse.DotNode); ok {
		return true
	}
	v, ok := n.(*parse.VariableNode)
	return ok && len(v.Ident) == 1 && v.Ident[0] == "$"
}

// templateParts returns the template as text, plain column references and
// initials ({{printf "%.1s" .column}}), or nil when it uses anything more.
func templateParts(root *parse.ListNode) []templatePart {
	parts := make([]templatePart, 0, len(root.Nodes))
	for _, node := range root.Nodes {
		switch n := node.(type) {
		case *parse.TextNode:
			parts = append(parts, templatePart{text: string(n.Text)})
		case *parse.ActionNode:
			p := n.Pipe
			if len(p.Decl) > 0 || len(p.Cmds) != 1 {
				return nil
			}
			args, prec := p.Cmds[0].Args, -1
			if len(args) == 3 {
				if prec = printfPrecision(args[0], args[1]); prec < 0 {
					return nil
				}
				args = args[2:]
			}
			if len(args) != 1 {
				return nil
			}
			f, ok := args[0].(*parse.FieldNode)
			if !ok || len(f.Ident) != 1 {
				return nil
			}
			parts = append(parts, templatePart{column: f.Ident[0], prec: prec})
		default:
			return nil
		}
	}
	return parts
}

// printfPrecision is N for the arguments printf "%.Ns", else -1.
func printfPrecision(fn, format parse.Node) int {
	id, ok := fn.(*parse.IdentifierNode)
	str, ok2 := format.(*parse.StringNode)
	if !ok || !ok2 || id.Ident != "printf" {
		return -1
	}
	digits, ok := strings.CutPrefix(str.Text, "%.")
	if ok {
		digits, ok = strings.CutSuffix(digits, "s")
	}
	if !ok || digits == "" || len(digits) > 4 {
		return -1
	}
	n := 0
	for _, c := range digits {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// firstRunes is v cut to n characters, as fmt's precision cuts a string
// (an invalid byte counts as one).
func firstRunes(v []byte, n int) []byte {
	for i := 0; i < len(v); n-- {
		if n == 0 {
			return v[:i]
		}
		_, size := utf8.DecodeRune(v[i:])
		i += size
	}
	return v
}

func init() {
	register(&Def{
		Name:    "template",
		Doc:     "builds the value from other columns' masked values with a Go text/template",
		Params:  []Param{{Name: "template", Kind: ParamString, Required: true, Doc: `Go text/template over the row's masked columns, e.g. "{{.first_name}} {{.last_name}}"`}},
		Accepts: acceptText,
		New:     newTemplate,
	})
}
