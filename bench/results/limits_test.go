package main

import (
	"strings"
	"testing"
)

// A figure that missed its goal gets the top of its profile and a pointer
// to the notes that explain it; one that met its goal gets neither, only
// a line in the collapsed list of profiles kept; one not measured, nothing.
func TestMissedFiguresShowTheirProfiles(t *testing.T) {
	var b strings.Builder
	r := &report{dir: "testdata/run", w: &b}
	r.write("testdata/notes.md")
	out := b.String()

	verification := block(t, out, "log verification vs raw SHA-256")
	for _, want := range []string{
		"`go tool pprof -top` of `bench/out/results/log-verify.pprof`",
		"crypto/internal/fips140/sha256.blockSHANI",
		"[“Log verification: still bound by reading the events back”](#log-verification-still-bound-by-reading-the-events-back) in the notes below",
	} {
		if !strings.Contains(verification, want) {
			t.Errorf("the verification's block lacks %q:\n%s", want, verification)
		}
	}
	if lines := strings.Count(verification, "\n      "); lines > 13 {
		t.Errorf("the verification's block has %d profile lines, want the top 12", lines)
	}

	test := block(t, out, testFigure)
	for _, want := range []string{
		"   240.0s  writ/e2e\n",
		"     0.5s  the build of writ/httpapi\n",
		"     2.0s  FuzzParseDemand (writ/httpapi)\n",
		"     6.5s  the build of writ/sealing\n",
		"     7.5s  FuzzSealOpen (writ/sealing)\n",
		"#the-test-command",
	} {
		if !strings.Contains(test, want) {
			t.Errorf("./test's block lacks %q:\n%s", want, test)
		}
	}
	if strings.Index(test, "writ/e2e") > strings.Index(test, "writ/store") {
		t.Errorf("./test's packages are not slowest first:\n%s", test)
	}

	memory := block(t, out, "peak RSS of writ serve at 1M demands with its hash workers' own, sqlite")
	for _, want := range []string{
		"memory in use) of `bench/out/results/heap-queue-sqlite.pprof`",
		"text/template/parse.(*Tree).newText",
		"#memory",
	} {
		if !strings.Contains(memory, want) {
			t.Errorf("the memory's block lacks %q:\n%s", want, memory)
		}
	}
	if !strings.Contains(out, "| `writ serve`, queue-sqlite | 110.0 MB | 80.0 MB | 30.0 MB | 15.0 MB |") {
		t.Errorf("the peak memory table does not show the server, its workers' own and their shared pages:\n%s", out)
	}

	for _, figure := range []string{
		"reviewer's PATCH p95 during a sign-in flood ÷ at rest, sqlite",   // met
		"reviewer's PATCH p95 during a sign-in flood ÷ at rest, postgres", // not measured
	} {
		if strings.Contains(out, "### What limits it: "+figure) {
			t.Errorf("%s has a block of what limits it", figure)
		}
	}
	if strings.Contains(out, "argon2.processBlocks") {
		t.Error("the profile of a figure that met its goal is shown")
	}
	if !strings.Contains(out, "- reviewer's PATCH p95 during a sign-in flood ÷ at rest, sqlite: `bench/out/results/signin-sqlite.pprof`") {
		t.Error("the profile of a figure that met its goal is not listed")
	}
}

// block is the "What limits it" section of figure in out.
func block(t *testing.T, out, figure string) string {
	t.Helper()
	_, rest, ok := strings.Cut(out, "### What limits it: "+figure+"\n")
	if !ok {
		t.Fatalf("no block of what limits %s in:\n%s", figure, out)
	}
	if i := strings.Index(rest, "\n#"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// Every figure bench/run profiles finds its profile, and its notes.
func TestFiguresFindTheirProfiles(t *testing.T) {
	for figure, want := range map[string]string{
		"log verification vs raw SHA-256":                               "log-verify.pprof",
		"intake/s over HTTP ÷ raw ceiling, postgres":                    "intake-postgres.pprof",
		"reviewer's PATCH p95 during a sign-in flood ÷ at rest, sqlite": "signin-sqlite.pprof",
		"half-year report at 10M demands ÷ GROUP BY, postgres":          "report-postgres-10000000.pprof",
		"half-year report at 1M demands ÷ GROUP BY, sqlite":             "report-sqlite-1000000.pprof",
		testFigure: "test.txt",
		"peak RSS of writ serve at 1M demands with its hash workers' own, postgres": "heap-queue-postgres.pprof",
	} {
		profile, notes, ok := profileOf(figure)
		if !ok || profile != want || notes == "" {
			t.Errorf("profileOf(%q) = %q, %q, %v; want %q", figure, profile, notes, ok, want)
		}
	}
}
