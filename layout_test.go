package writ_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goList runs "go list" with args and returns its lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		t.Skipf("go list %s: %v", strings.Join(args, " "), err)
	}
	return strings.Fields(string(out))
}

// Data flows one way: the store returns rows and counts, and knows
// nothing of the reports computed from them or of the letters sent about
// them; only the command that wires writ together knows the JSON API.
func TestPackagesDependOneWay(t *testing.T) {
	for _, dep := range goList(t, "-deps", "./store") {
		if dep == "writ/report" || dep == "writ/notify" || dep == "writ/httpapi" || dep == "writ/web" {
			t.Errorf("store depends on %s", dep)
		}
	}
	for _, line := range goList(t, "-f", `{{.ImportPath}}:{{join .Imports ","}}`, "./...") {
		pkg, imports, _ := strings.Cut(line, ":")
		if pkg != "writ/cmd/writ" && pkg != "writ/httpapi" && strings.Contains(","+imports+",", ",writ/httpapi,") {
			t.Errorf("%s imports writ/httpapi; only cmd/writ may", pkg)
		}
	}
}

// Records apart from rules: no function in store evaluates the rulebook;
// it asks its Assessor (package casework) and records the answer.
func TestStoreDoesNotEvaluateTheRulebook(t *testing.T) {
	names, err := filepath.Glob("store/*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		files := token.NewFileSet()
		f, err := parser.ParseFile(files, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Assess" && sel.Sel.Name != "Validate") {
				return true
			}
			if recv, ok := sel.X.(*ast.SelectorExpr); ok && recv.Sel.Name == "assessor" {
				return true
			}
			t.Errorf("%s: %s calls the rulebook's evaluator; ask the store's Assessor", files.Position(call.Pos()), sel.Sel.Name)
			return true
		})
	}
}
