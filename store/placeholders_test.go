package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// questionMark is a ? where SQL would put a placeholder: after a space, an
// operator, "(" or ",", and before a space, ",", ")", a number (SQLite's
// ?NNN) or the end. A ? in a URL ("file:…?_pragma") or a regular
// expression ("(…)?$") is not one.
var questionMark = regexp.MustCompile(`(^|[\s(,=<>])\?(\d+|[\s,)]|$)`)

// placeholderMark reports whether a Go string literal's value holds a ?
// placeholder. A string that is only "?" joins a path to its query.
func placeholderMark(value string) bool {
	return value != "?" && questionMark.MatchString(value)
}

func TestPlaceholderMark(t *testing.T) {
	for value, want := range map[string]bool{
		"SELECT id FROM demands WHERE id = ?": true,
		"d.agency_id = ?":                     true,
		"id IN (?, ?)":                        true,
		"?, ":                                 true,
		"lower(d.reference) LIKE ? OR x":      true,
		"UPDATE river_job SET id = ?1":        true,
		"WHERE id = $1":                       false,
		"?":                                   false,
		"?_pragma=busy_timeout(10000)":        false,
		"/queue?":                             false,
		`^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$`:     false,
		"is this the demo data set?":          false,
		"json_extract(args, '$.demand') = $1": false,
	} {
		if got := placeholderMark(value); got != want {
			t.Errorf("placeholderMark(%q) = %v, want %v", value, got, want)
		}
	}
}

// sqlFolders are the folders whose Go files hold SQL: the store, its suite,
// and what reads or tampers with the database beside it (River's tables,
// the tests of identity and sealing, the intake benchmark, the commands).
var sqlFolders = []string{".", "../notify", "../identity", "../sealing", "../bench/intake", "../cmd/writ"}

// TestNoQuestionMarkPlaceholders holds every query of the store, its tests
// and suite, and the SQL beside it to numbered placeholders ($1, $2, …),
// which both databases bind natively: nothing rewrites a ? any more, so
// one would fail on PostgreSQL.
func TestNoQuestionMarkPlaceholders(t *testing.T) {
	for _, folder := range sqlFolders {
		checkPlaceholders(t, folder)
	}
}

func checkPlaceholders(t *testing.T, folder string) {
	err := filepath.WalkDir(folder, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || path == "placeholders_test.go" {
			return err
		}
		files := token.NewFileSet()
		f, err := parser.ParseFile(files, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			value, err := strconv.Unquote(lit.Value)
			if err == nil && placeholderMark(value) {
				t.Errorf("%s: a ? placeholder; write $1, $2, … instead: %.80q", files.Position(lit.Pos()), value)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
