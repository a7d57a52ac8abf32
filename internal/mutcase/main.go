// Command mutcase runs the mutants gremlins v0.6.0 reports as NOT COVERED
// only because they sit in a switch's case expression.
//
// gremlins decides coverage from `go test -coverprofile` blocks, and Go's
// coverage blocks hold statements, not the expressions after `case`: a
// mutant in `case n >= 1<<20:` is "not covered" however often the tests
// evaluate it. mutcase applies each such mutant to a copy of the module,
// runs the package's tests as gremlins would, and rewrites its status in
// the report to KILLED, LIVED, TIMED OUT or NOT VIABLE. A case expression
// the tests never reach lives, so the rerun can only lower efficacy, never
// flatter it. Mutants outside case expressions are left as gremlins found
// them.
//
//	go run ./internal/mutcase -report bin/mutate/subset.json -pkg subset
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// mutations are gremlins' replacements per mutator type (its
// internal/engine/mappings.go, for the types enabled by default).
var mutations = map[string]map[token.Token]token.Token{
	"ARITHMETIC_BASE":       {token.ADD: token.SUB, token.MUL: token.QUO, token.QUO: token.MUL, token.REM: token.MUL, token.SUB: token.ADD},
	"CONDITIONALS_BOUNDARY": {token.GEQ: token.GTR, token.GTR: token.GEQ, token.LEQ: token.LSS, token.LSS: token.LEQ},
	"CONDITIONALS_NEGATION": {token.EQL: token.NEQ, token.GEQ: token.LSS, token.GTR: token.LEQ, token.LEQ: token.GTR, token.LSS: token.GEQ, token.NEQ: token.EQL},
	"INCREMENT_DECREMENT":   {token.DEC: token.INC, token.INC: token.DEC},
	"INVERT_NEGATIVES":      {token.SUB: token.ADD},
}

// mutant is one NOT COVERED entry of the report that mutcase can run.
type mutant struct {
	status   *string // the report's field, rewritten in place
	file     string  // path in the module
	name     string  // file name in the package
	typ      string
	line     int
	col      int
	off      int // byte offset of the operator
	from, to token.Token
}

func main() {
	report := flag.String("report", "", "gremlins JSON report to update in place")
	pkg := flag.String("pkg", "", "package directory, relative to the module root")
	root := flag.String("root", ".", "module root")
	workers := flag.Int("workers", 1, "mutants run at once, each in its own copy of the module")
	coefficient := flag.Float64("coefficient", 5, "a mutant times out after this many times the unmutated suite's wall time")
	shared := flag.String("shared", "", "directory linked as ../shared beside each copy (the test corpus)")
	tmp := flag.String("tmp", os.TempDir(), "where the copies go")
	flag.Parse()
	if err := run(context.Background(), *report, *pkg, *root, *workers, *coefficient, *shared, *tmp, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mutcase:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, reportPath, pkg, root string, workers int, coefficient float64, shared, tmp string, out io.Writer) error {
	if reportPath == "" || pkg == "" {
		return errors.New("-report and -pkg are required")
	}
	raw, err := os.ReadFile(reportPath)
	if err != nil {
		return err
	}
	var rep map[string]any
	if err := json.Unmarshal(raw, &rep); err != nil {
		return fmt.Errorf("%s: %w", reportPath, err)
	}
	ms, err := caseMutants(rep, filepath.Join(root, pkg))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "mutcase: %d NOT COVERED mutants in case expressions of %s\n", len(ms), pkg)
	if len(ms) == 0 {
		return nil
	}
	workers = max(1, min(workers, len(ms)))
	base, err := os.MkdirTemp(tmp, "mutcase-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(base)
	if shared != "" {
		if err := os.Symlink(shared, filepath.Join(base, "shared")); err != nil {
			return err
		}
	}
	copies := make([]string, workers)
	for i := range copies {
		copies[i] = filepath.Join(base, fmt.Sprintf("wd-%d", i))
		if err := copyModule(root, copies[i]); err != nil {
			return err
		}
	}
	start := time.Now()
	if res, _ := goTest(ctx, copies[0], pkg, 0); res != "LIVED" {
		return fmt.Errorf("the unmutated tests of %s do not pass in a copy (%s)", pkg, res)
	}
	timeout := time.Duration(coefficient * float64(time.Since(start)))

	jobs := make(chan *mutant)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var failed error
	for _, dir := range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range jobs {
				res, detail, err := runMutant(ctx, dir, pkg, m, timeout)
				mu.Lock()
				if err != nil && failed == nil {
					failed = err
				}
				if err == nil {
					*m.status = res
					fmt.Fprintf(out, "%12s %s at %s:%d:%d (case expression, run by mutcase)%s\n", res, m.typ, m.name, m.line, m.col, detail)
				}
				mu.Unlock()
			}
		}()
	}
	for _, m := range ms {
		jobs <- m
	}
	close(jobs)
	wg.Wait()
	if failed != nil {
		return failed
	}
	enc, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	return os.WriteFile(reportPath, enc, 0o644)
}

// caseMutants lists the report's NOT COVERED mutants whose operator is in
// a case expression of dir's files.
func caseMutants(rep map[string]any, dir string) ([]*mutant, error) {
	files, _ := rep["files"].([]any)
	var out []*mutant
	for _, f := range files {
		fm, _ := f.(map[string]any)
		name, _ := fm["file_name"].(string)
		muts, _ := fm["mutations"].([]any)
		var src []byte
		var ops map[token.Pos]token.Token // operators inside case expressions
		var tf *token.File
		for _, x := range muts {
			mm, _ := x.(map[string]any)
			if mm["status"] != "NOT COVERED" {
				continue
			}
			if ops == nil {
				var err error
				path := filepath.Join(dir, name)
				if src, err = os.ReadFile(path); err != nil {
					return nil, err
				}
				fset := token.NewFileSet()
				af, err := parser.ParseFile(fset, path, src, 0)
				if err != nil {
					return nil, err
				}
				tf = fset.File(af.Pos())
				ops = caseOperators(af)
			}
			typ, _ := mm["type"].(string)
			line, _ := mm["line"].(float64)
			col, _ := mm["column"].(float64)
			if int(line) < 1 || int(line) > tf.LineCount() {
				continue
			}
			pos := tf.LineStart(int(line)) + token.Pos(col-1)
			from, ok := ops[pos]
			to, known := mutations[typ][from]
			if !ok || !known {
				continue
			}
			status := new(string)
			*status = "NOT COVERED"
			m := &mutant{status: status, file: filepath.Join(dir, name), name: name, typ: typ, line: int(line), col: int(col), off: tf.Offset(pos), from: from, to: to}
			mm["status"] = status // marshals as the string it points to
			out = append(out, m)
		}
	}
	return out, nil
}

// caseOperators maps the position of every operator gremlins mutates
// that sits in a case clause's expressions to its token.
func caseOperators(f *ast.File) map[token.Pos]token.Token {
	ops := map[token.Pos]token.Token{}
	ast.Inspect(f, func(n ast.Node) bool {
		cc, ok := n.(*ast.CaseClause)
		if !ok {
			return true
		}
		for _, e := range cc.List {
			ast.Inspect(e, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.BinaryExpr:
					ops[x.OpPos] = x.Op
				case *ast.UnaryExpr:
					ops[x.OpPos] = x.Op
				}
				return true
			})
		}
		return true
	})
	return ops
}

// runMutant applies m in the copy at dir, runs the tests and restores
// the file.
func runMutant(ctx context.Context, dir, pkg string, m *mutant, timeout time.Duration) (string, string, error) {
	path := filepath.Join(dir, pkg, m.name)
	orig, err := os.ReadFile(path)
	if err != nil {
		return "", "", err
	}
	old := m.from.String()
	if !bytes.HasPrefix(orig[m.off:], []byte(old)) {
		return "", "", fmt.Errorf("%s:%d:%d: %q is not at the reported position", m.file, m.line, m.col, old)
	}
	mutated := append(append(append([]byte{}, orig[:m.off]...), m.to.String()...), orig[m.off+len(old):]...)
	if err := os.WriteFile(path, mutated, 0o644); err != nil {
		return "", "", err
	}
	defer os.WriteFile(path, orig, 0o644)
	res, detail := goTest(ctx, dir, pkg, timeout)
	return res, detail, nil
}

// goTest runs the package's tests in the module copy at dir, the way
// gremlins does (GOFLAGS from the environment), and says what a mutant
// with that outcome is.
func goTest(ctx context.Context, dir, pkg string, timeout time.Duration) (string, string) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, "go", "test", "./"+pkg)
	cmd.Dir = dir
	// The test binary is go test's child: a timeout kills the group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	outb, err := cmd.CombinedOutput()
	switch {
	case err == nil:
		return "LIVED", ""
	case ctx.Err() != nil:
		return "TIMED OUT", ""
	case bytes.Contains(outb, []byte("[build failed]")) || bytes.Contains(outb, []byte("[setup failed]")):
		return "NOT VIABLE", ""
	}
	return "KILLED", firstFailure(outb)
}

// firstFailure is the name of the first failing test, for the log.
func firstFailure(out []byte) string {
	for _, l := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "--- FAIL: "); ok {
			return " by " + strings.Fields(rest)[0]
		}
	}
	return ""
}

// copyModule copies the module at root (its Go files, go.mod, go.sum and
// test data; not .git or bin) to dst.
func copyModule(root, dst string) error {
	return filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		if d.IsDir() && (rel == ".git" || rel == "bin") {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, info.Mode().Perm())
	})
}
