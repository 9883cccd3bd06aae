package rules

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestExamples checks the contract's worked examples: each
// NAME.case.json assesses to NAME.assessment.json, which leaves out the
// message fields.
func TestExamples(t *testing.T) {
	rb := defaultRulebook(t)
	cases, err := filepath.Glob("testdata/examples/*.case.json")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".case.json")
		t.Run(name, func(t *testing.T) {
			input, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(path, ".case.json") + ".assessment.json")
			if err != nil {
				t.Fatal(err)
			}
			c, err := rb.DecodeCase(input)
			if err != nil {
				t.Fatalf("DecodeCase: %v", err)
			}
			a := rb.Assess(c)
			got := marshalIndent(t, a)

			// As a program compares: parsed JSON, messages ignored.
			if g, w := stripMessages(decodeAny(t, got)), decodeAny(t, want); !reflect.DeepEqual(g, w) {
				t.Errorf("assessment differs\n got: %s\nwant: %s", got, want)
			}
			// Byte for byte without messages: key order, sorting, indentation.
			if stripped := marshalIndent(t, a.WithoutMessages()); !bytes.Equal(stripped, want) {
				t.Errorf("bytes differ\n got: %s\nwant: %s", stripped, want)
			}
			// Every conclusion is explained.
			assertMessages(t, a)
		})
	}
}

// assertMessages checks that every conclusion object carries a message.
func assertMessages(t *testing.T, a Assessment) {
	t.Helper()
	for _, d := range a.Deficiencies {
		if d.Message == "" {
			t.Errorf("deficiency %s has no message", d.Code)
		}
	}
	for _, c := range a.Conflicts {
		if c.Message == "" {
			t.Errorf("conflict %s has no message", c.Code)
		}
	}
	for _, d := range a.Deadlines {
		if d.Message == "" {
			t.Errorf("deadline %s has no message", d.Code)
		}
	}
	for _, n := range a.NotifyAuthorities {
		if n.Message == "" {
			t.Errorf("authority %s %s has no message", n.Code, n.Country)
		}
	}
	if a.Notice.Message == "" || a.CustomerFirst.Message == "" || a.Comity.Message == "" {
		t.Errorf("notice, customer_first or comity has no message: %+v %+v %+v", a.Notice, a.CustomerFirst, a.Comity)
	}
	for _, s := range []string{a.Notice.Message, a.CustomerFirst.Message, a.Comity.Message} {
		if strings.Contains(s, "{") {
			t.Errorf("unfilled placeholder in %q", s)
		}
	}
}
