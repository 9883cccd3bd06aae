package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// runWrit runs one command line as main would, with its own streams.
func execWrit(t *testing.T, stdin string, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	sio := &stdio{
		in:     strings.NewReader(stdin),
		out:    &out,
		err:    &errOut,
		getenv: func(k string) string { return env[k] },
	}
	code = run(context.Background(), sio, args)
	return code, out.String(), errOut.String()
}

const examples = "../../rules/testdata/examples"

func withoutMessages(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if k != "message" {
				out[k] = withoutMessages(e)
			}
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = withoutMessages(e)
		}
	}
	return v
}

func TestAssessExamples(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(examples, "*.case.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".case.json")
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := execWrit(t, "", nil, "assess", path)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.HasSuffix(stdout, "}\n") || !strings.HasPrefix(stdout, "{\n  \"rulebook\": \"v2\",\n") {
				t.Errorf("output is not indented JSON with a final newline:\n%s", stdout)
			}
			want, err := os.ReadFile(strings.TrimSuffix(path, ".case.json") + ".assessment.json")
			if err != nil {
				t.Fatal(err)
			}
			var got, exp any
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(want, &exp); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(withoutMessages(got), exp) {
				t.Errorf("got %s\nwant %s", stdout, want)
			}
		})
	}
}

func TestAssessStandardInput(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(examples, "preservation.case.json"))
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := execWrit(t, string(data), nil, "assess", "-")
	if code != 0 || !strings.Contains(stdout, `"route": "preserve"`) {
		t.Errorf("exit %d, stdout %s, stderr %s", code, stdout, stderr)
	}
}

// TestAssessInvalidInput checks that bad input exits 2 naming the field.
func TestAssessInvalidInput(t *testing.T) {
	base, err := os.ReadFile(filepath.Join(examples, "us-2703d-with-ndo.case.json"))
	if err != nil {
		t.Fatal(err)
	}
	replace := func(old, new string) string {
		if !strings.Contains(string(base), old) {
			t.Fatalf("example lacks %q", old)
		}
		return strings.Replace(string(base), old, new, 1)
	}
	tests := []struct {
		name, input, want string
	}{
		{"unknown field", replace(`"channel": "portal",`, `"channel": "portal", "chanel": "api",`), "writ: error: demand.chanel: unknown field"},
		{"unknown instrument", replace(`"us_2703d_order"`, `"us_2704_order"`), `writ: error: demand.instrument: unknown code "us_2704_order"`},
		{"bad country code", replace(`"home_country": "US"`, `"home_country": "USA"`), `writ: error: customer.home_country: unknown country code "USA"`},
		{"bad date", replace(`"2027-05-20"`, `"20/05/2027"`), `writ: error: demand.nondisclosure.until: "20/05/2027" is not a date of the form YYYY-MM-DD`},
		{"missing required field", replace(`"key_custody": "provider_managed"`, `"legal_contact": "x@y.example"`), "writ: error: customer.key_custody: is required"},
		{"bad category", replace(`"traffic"`, `"metadata"`), `writ: error: demand.data_categories[0]: unknown code "metadata"`},
		{"bad JSON", "{\"demand\": }", "writ: error: invalid JSON at line 1, column 12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "case.json")
			if err := os.WriteFile(path, []byte(tt.input), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := execWrit(t, "", nil, "assess", path)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if stdout != "" {
				t.Errorf("printed an assessment for invalid input: %s", stdout)
			}
			if !strings.HasPrefix(stderr, tt.want) {
				t.Errorf("stderr %q, want it to start with %q", stderr, tt.want)
			}
		})
	}
}

func TestAssessUsage(t *testing.T) {
	if code, _, _ := execWrit(t, "", nil, "assess"); code != 2 {
		t.Errorf("assess without a file: exit %d, want 2", code)
	}
	if code, _, stderr := execWrit(t, "", nil, "assess", filepath.Join(t.TempDir(), "missing.json")); code != 1 || !strings.Contains(stderr, "missing.json") {
		t.Errorf("missing file: exit %d, %s", code, stderr)
	}
}

// copyRulebook copies the built-in rulebook's files into a temporary folder.
func copyRulebook(t *testing.T) string {
	t.Helper()
	src := "../../rules/rulebook"
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestAssessWithRulebookFlagAndEnv(t *testing.T) {
	dir := copyRulebook(t)
	p := filepath.Join(dir, "rulebook.yaml")
	data, _ := os.ReadFile(p)
	if err := os.WriteFile(p, bytes.Replace(data, []byte("objection_window: 7 days"), []byte("objection_window: 10 days"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	example := filepath.Join(examples, "us-warrant-consumer.case.json")
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"flag", nil, []string{"assess", "--rulebook", dir, example}},
		{"environment", map[string]string{"WRIT_RULEBOOK": dir}, []string{"assess", example}},
	} {
		code, stdout, stderr := execWrit(t, "", tc.env, tc.args...)
		if code != 0 || !strings.Contains(stdout, `"due": "2026-11-30T14:00:00Z"`) {
			t.Errorf("%s: exit %d, stdout %s, stderr %s", tc.name, code, stdout, stderr)
		}
	}
}

func TestRulebookCommands(t *testing.T) {
	dir := copyRulebook(t)
	code, stdout, stderr := execWrit(t, "", nil, "rulebook", "check", dir)
	if code != 0 || stdout != "rulebook v2 in "+dir+": ok\n" {
		t.Errorf("check: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	code, stdout, _ = execWrit(t, "", nil, "rulebook", "show")
	if code != 0 || !strings.HasPrefix(stdout, "rulebook v2\n") || !strings.Contains(stdout, "==> us.yaml <==") {
		t.Errorf("show: exit %d, stdout %.200q", code, stdout)
	}

	p := filepath.Join(dir, "eu.yaml")
	data, _ := os.ReadFile(p)
	broken := bytes.Replace(data, []byte("    preserve_only: true\n"), []byte("    preserve_only: true\n    colour: red\n"), 1)
	if err := os.WriteFile(p, broken, 0o644); err != nil {
		t.Fatal(err)
	}
	line := bytes.Count(broken[:bytes.Index(broken, []byte("colour: red"))], []byte("\n")) + 1
	code, stdout, stderr = execWrit(t, "", nil, "rulebook", "check", dir)
	want := "eu.yaml:" + strconv.Itoa(line) + `: unknown key "colour"`
	if code != 1 || stdout != "" || !strings.Contains(stderr, want) {
		t.Errorf("check of a broken rulebook: exit %d, stderr %q, want %q", code, stderr, want)
	}
	if code, _, stderr := execWrit(t, "", nil, "assess", "--rulebook", dir, filepath.Join(examples, "preservation.case.json")); code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("assess with a broken rulebook: exit %d, stderr %q", code, stderr)
	}

	if code, _, _ := execWrit(t, "", nil, "rulebook"); code != 2 {
		t.Errorf("rulebook without subcommand: exit %d, want 2", code)
	}
	if code, _, _ := execWrit(t, "", nil, "rulebook", "lint"); code != 2 {
		t.Errorf("rulebook lint: exit %d, want 2", code)
	}
}
