package writ_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// Sizes a reader can take in at once: no Go file over maxFileLines lines
// and no function over maxFuncLines, outside test code and generated code,
// unless the function's doc comment has a line starting with longMarker
// that says why it must be so (a long table or switch that reads better
// whole). A file has no such excuse: it is split by subject.
//
// Test code is every _test.go file, every package whose name ends in
// "test" (store/storetest: the shared suite, imported by tests only), and
// the benchmark programs under bench/ (bench/opa is even a module of its
// own): they measure writ and ship nothing, as tests do. Generated code
// says so in Go's standard line ("// Code generated … DO NOT EDIT.").
const (
	maxFileLines = 500
	maxFuncLines = 80
	longMarker   = "Long because:"
)

var generated = regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)

func TestSizes(t *testing.T) {
	out, err := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "*.go").Output()
	if err != nil || len(out) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("git ls-files: %v", err)
		}
		t.Skipf("not a git checkout (git ls-files: %v)", err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if strings.HasSuffix(name, "_test.go") || strings.HasPrefix(name, "bench/") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			continue // deleted in the work tree
		}
		if generated.Match(src) {
			continue
		}
		files := token.NewFileSet()
		f, err := parser.ParseFile(files, name, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if strings.HasSuffix(f.Name.Name, "test") {
			continue
		}
		if n := bytes.Count(src, []byte("\n")); n > maxFileLines {
			t.Errorf("%s: %d lines, more than %d: split it by subject", name, n, maxFileLines)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			n := files.Position(fn.End()).Line - files.Position(fn.Pos()).Line + 1
			if n > maxFuncLines && !excused(fn.Doc) {
				t.Errorf("%s: func %s is %d lines, more than %d: split it, or say in its doc comment on a line starting %q why it must be so",
					files.Position(fn.Pos()), fn.Name.Name, n, maxFuncLines, longMarker)
			}
		}
	}
}

// excused reports whether a doc comment has a line that starts with
// longMarker and gives a reason after it.
func excused(doc *ast.CommentGroup) bool {
	if doc == nil {
		return false
	}
	for _, line := range strings.Split(doc.Text(), "\n") {
		if reason, ok := strings.CutPrefix(strings.TrimSpace(line), longMarker); ok && strings.TrimSpace(reason) != "" {
			return true
		}
	}
	return false
}

func TestLongMarker(t *testing.T) {
	for src, want := range map[string]bool{
		"// f does a thing.\n//\n// Long because: a table reads best whole.\nfunc f() {}": true,
		"// f does a thing.\n// Long because:\nfunc f() {}":                               false,
		"// f does a thing, which is long because it is.\nfunc f() {}":                    false,
		"func f() {}": false,
	} {
		f, err := parser.ParseFile(token.NewFileSet(), "x.go", "package x\n"+src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if got := excused(f.Decls[0].(*ast.FuncDecl).Doc); got != want {
			t.Errorf("excused(%q) = %v, want %v", src, got, want)
		}
	}
}
