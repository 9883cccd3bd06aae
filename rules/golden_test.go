package rules

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden assessments in testdata/golden")

// TestGolden assesses every testdata/golden/NAME.case.json and compares the
// whole assessment, messages included, with NAME.assessment.json. Run
// "go test ./rules -run TestGolden -update" after a deliberate change and
// read the diff.
func TestGolden(t *testing.T) {
	rb := defaultRulebook(t)
	cases, err := filepath.Glob("testdata/golden/*.case.json")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".case.json")
		t.Run(name, func(t *testing.T) {
			input, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			c, err := rb.DecodeCase(input)
			if err != nil {
				t.Fatalf("DecodeCase: %v", err)
			}
			a := rb.Assess(c)
			assertMessages(t, a)
			got := marshalIndent(t, a)
			goldenPath := strings.TrimSuffix(path, ".case.json") + ".assessment.json"
			if *update {
				if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("assessment differs from %s (run with -update to accept)\n got: %s\nwant: %s", goldenPath, got, want)
			}
		})
	}
}
