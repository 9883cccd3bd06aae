package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// A figure's profile: where bench/run kept the CPU profile taken while it
// was measured (the top of it, from go tool pprof -top, beside it as
// NAME.top.txt), and the heading of the section of bench/notes.md that
// says what limits it and what was tried.
type figureProfile struct {
	figure  *regexp.Regexp // the figure's name in the summary
	profile string         // $1, $2 … are the figure's submatches
	notes   string         // the start of the notes' heading
}

var figureProfiles = []figureProfile{
	{regexp.MustCompile(`^log verification vs raw SHA-256$`), "log-verify.pprof", "### Log verification"},
	{regexp.MustCompile(`^intake/s over HTTP ÷ raw ceiling, (\w+)$`), "intake-$1.pprof", "### Intake"},
	{regexp.MustCompile(`^reviewer's PATCH p95 during a sign-in flood ÷ at rest, (\w+)$`), "signin-$1.pprof", "### Writes during a sign-in flood"},
	{regexp.MustCompile(`^half-year report at (\d+)M demands ÷ GROUP BY, sqlite$`), "report-sqlite-${1}000000.pprof", "### Reports on SQLite"},
	{regexp.MustCompile(`^half-year report at (\d+)M demands ÷ GROUP BY, postgres$`), "report-postgres-${1}000000.pprof", "### Reports on PostgreSQL"},
	{regexp.MustCompile(`^` + regexp.QuoteMeta(testFigure) + `$`), "test.txt", "### The test command"},
	{regexp.MustCompile(`^demands acknowledged by the healthy server`), "", "### The audit log's head"},
	{regexp.MustCompile(`^peak RSS of writ serve at 1M demands with its hash workers' own, (\w+)$`), "heap-queue-$1.pprof", "### Memory"},
}

// profileOf finds the figure's profile file (empty when none is taken)
// and notes heading; ok is false for a figure without either.
func profileOf(figure string) (profile, notes string, ok bool) {
	for _, fp := range figureProfiles {
		if m := fp.figure.FindStringSubmatchIndex(figure); m != nil {
			return string(fp.figure.ExpandString(nil, fp.profile, figure, m)), fp.notes, true
		}
	}
	return "", "", false
}

// limitsSection writes, for every figure that missed its goal, where the
// CPU went while it was measured (the top of its profile) and a pointer to
// the notes that explain it; the figures met are listed, collapsed, with
// the profiles kept of them.
func (r *report) limitsSection(summary []verdict, notes string) {
	var met []string
	first := true
	for _, v := range summary {
		profile, heading, ok := profileOf(v.figure)
		if !ok || v.met == nil || v.measured == "not measured" {
			continue
		}
		top := r.profileTop(profile)
		if *v.met {
			if top != "" {
				met = append(met, fmt.Sprintf("- %s: `bench/out/results/%s`", v.figure, profile))
			}
			continue
		}
		if first {
			r.p("## What limits the figures that missed their goals")
			r.p("")
			first = false
		}
		r.p("### What limits it: %s", v.figure)
		r.p("")
		switch {
		case top == "" && profile == "":
			r.p("No profile is taken of this figure.")
		case top == "":
			r.p("No profile was kept in this run (`bench/out/results/%s`).", profile)
		case strings.HasPrefix(profile, "heap-"):
			r.p("What the server's heap held once the pages had been served, the top of `go tool pprof -top` (memory in use) of `bench/out/results/%s`; the rest of its resident set is the binary's pages and SQLite's page caches, and the hash workers' own memory is argon2id's (19 MiB a check) and the Go runtime's:", profile)
		case profile == "test.txt":
			r.p("Where the time went, from `./test`'s own output (`bench/out/results/test.txt`): the slowest packages' elapsed times, as `go test` reports them, each fuzz target's time, and the build of each package with fuzz targets.")
		default:
			r.p("Where the CPU went while it was measured, the top of `go tool pprof -top` of `bench/out/results/%s`:", profile)
		}
		if top != "" {
			r.p("")
			r.p("```")
			r.p("%s", strings.TrimRight(top, "\n"))
			r.p("```")
		}
		r.p("")
		r.p("Why, and what was tried: %s.", notesPointer(notes, heading))
		r.p("")
	}
	if len(met) > 0 {
		r.p("<details><summary>Profiles of the figures that met their goals</summary>")
		r.p("")
		for _, l := range met {
			r.p("%s", l)
		}
		r.p("")
		r.p("</details>")
		r.p("")
	}
}

// profileTop is the top of a profile as bench/run kept it, or ./test's
// slowest packages and fuzz targets; empty when there is none.
func (r *report) profileTop(profile string) string {
	if profile == "" {
		return ""
	}
	if profile == "test.txt" {
		return testProfile(filepath.Join(r.dir, profile))
	}
	data, err := os.ReadFile(filepath.Join(r.dir, profile+".top.txt"))
	if err != nil {
		return ""
	}
	return string(data)
}

// notesPointer names the section of the notes whose heading starts with
// prefix, linked to its anchor in RESULTS.md (which ends with the notes).
func notesPointer(notes, prefix string) string {
	for _, l := range strings.Split(notes, "\n") {
		if strings.HasPrefix(l, prefix) {
			h := strings.TrimSpace(strings.TrimLeft(l, "#"))
			return fmt.Sprintf("[“%s”](#%s) in the notes below (`bench/notes.md`)", h, anchor(h))
		}
	}
	return "`bench/notes.md`"
}

// anchor is the fragment GitHub gives a heading: lower case, spaces as
// hyphens, other punctuation left out.
func anchor(heading string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(heading) {
		switch {
		case c == ' ':
			b.WriteRune('-')
		case c == '-' || c == '_' || unicode.IsLetter(c) || unicode.IsDigit(c):
			b.WriteRune(c)
		}
	}
	return b.String()
}

var (
	testPackageLine = regexp.MustCompile(`^\[\d+:\d\d\] (?:pass|fail|skip)\s+(\S+)\s+([0-9.]+)s$`)
	testFuzzLine    = regexp.MustCompile(`^\[\d+:\d\d\] fuzz \d+/\d+: (\S+) \((\S+),`)
	testFuzzBuild   = regexp.MustCompile(`^\[\d+:\d\d\] fuzz: building (\S+)`)
	testFuzzDone    = regexp.MustCompile(`^\[\d+:\d\d\] fuzz(:| \S+ failed)`)
)

// testProfile reads ./test's output as bench/run stamped it: the twelve
// slowest packages, and every fuzz target and instrumented build of a
// package with fuzz targets, with their times.
func testProfile(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	type timed struct {
		name    string
		seconds float64
	}
	var packages, fuzz []timed
	fuzzing, fuzzStart := "", 0.0
	for _, l := range strings.Split(string(data), "\n") {
		stamp, text, _ := strings.Cut(l, " ")
		t, err := strconv.ParseFloat(stamp, 64)
		if err != nil {
			continue
		}
		if m := testPackageLine.FindStringSubmatch(text); m != nil {
			s, _ := strconv.ParseFloat(m[2], 64)
			packages = append(packages, timed{m[1], s})
		}
		if fuzzing != "" && (testFuzzDone.MatchString(text) || testFuzzLine.MatchString(text)) {
			fuzz = append(fuzz, timed{fuzzing, t - fuzzStart})
			fuzzing = ""
		}
		if m := testFuzzLine.FindStringSubmatch(text); m != nil {
			fuzzing, fuzzStart = m[1]+" ("+m[2]+")", t
		}
		if m := testFuzzBuild.FindStringSubmatch(text); m != nil {
			fuzzing, fuzzStart = "the build of "+m[1], t
		}
	}
	if len(packages) == 0 && len(fuzz) == 0 {
		return ""
	}
	slices.SortStableFunc(packages, func(a, b timed) int { return cmp.Compare(b.seconds, a.seconds) })
	var b strings.Builder
	b.WriteString("slowest packages (go test's elapsed time)\n")
	for _, p := range packages[:min(12, len(packages))] {
		fmt.Fprintf(&b, "%8.1fs  %s\n", p.seconds, p.name)
	}
	fmt.Fprintf(&b, "fuzz targets and their packages' builds, one after another beside the tests (%d)\n", len(fuzz))
	for _, f := range fuzz {
		fmt.Fprintf(&b, "%8.1fs  %s\n", f.seconds, f.name)
	}
	return b.String()
}
