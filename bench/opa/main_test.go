package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/format"
)

// testSuite prepares the default case mix: the case files and 400 generated
// cases, as `go run .` uses them.
func testSuite(tb testing.TB) *suite {
	tb.Helper()
	root, err := findRoot(".")
	if err != nil {
		tb.Fatal(err)
	}
	s, err := prepare(context.Background(), options{
		root:      root,
		patterns:  strings.Split(defaultCasePatterns, ","),
		generated: 400,
		seed:      1,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestAgreement fails when the Rego policy and writ assess any case of the
// mix differently.
func TestAgreement(t *testing.T) {
	s := testSuite(t)
	agreed, diffs, err := s.agreement(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		var buf bytes.Buffer
		reportDisagreements(&buf, diffs, len(s.cases))
		t.Fatal(buf.String())
	}
	if agreed != len(s.cases) || s.examples == 0 || s.generated != 400 {
		t.Fatalf("agreed on %d of %d cases (%d from files, %d generated)", agreed, len(s.cases), s.examples, s.generated)
	}
	t.Logf("writ and OPA agree on all %d cases (%d from files, %d generated)", agreed, s.examples, s.generated)
}

// TestCaseMixCoversTheRules checks that the agreement is tested on every
// conclusion writ can reach: each route, deficiency, conflict, notice
// timing, deadline, flag, comity outcome and customer-first exception
// occurs in some case of the mix.
func TestCaseMixCoversTheRules(t *testing.T) {
	s := testSuite(t)
	seen := map[string]int{}
	for _, c := range s.cases {
		a := s.rb.Assess(c)
		seen["route "+a.Route]++
		seen["notice "+a.Notice.Timing]++
		for _, d := range a.Deficiencies {
			seen["deficiency "+d.Code]++
		}
		for _, cf := range a.Conflicts {
			seen["conflict "+cf.Code]++
		}
		for _, d := range a.Deadlines {
			seen["deadline "+d.Code]++
		}
		for _, f := range a.Flags {
			seen["flag "+f]++
		}
		for _, n := range a.NotifyAuthorities {
			seen["notify "+n.Code]++
		}
		if a.Comity.StatutoryMotion {
			seen["comity statutory_motion"]++
		}
		if a.Comity.CommonLawChallenge {
			seen["comity common_law_challenge"]++
		}
		if a.CustomerFirst.Exception != "" {
			seen["customer-first exception "+a.CustomerFirst.Exception]++
		}
		if !a.ContentAccessible {
			seen["content not accessible"]++
		}
	}
	var want []string
	for _, r := range []string{"reject", "preserve", "redirect_to_customer", "challenge", "refer_to_mlat", "no_data", "respond"} {
		want = append(want, "route "+r)
	}
	for _, n := range []string{"prohibited", "delayed", "none", "after_emergency", "with_redirect", "before_disclosure"} {
		want = append(want, "notice "+n)
	}
	for _, d := range []string{"WRONG_JURISDICTION", "JUDGE_REQUIRED", "VALIDATION_REQUIRED", "CATEGORY_NOT_PERMITTED", "OFFENCE_THRESHOLD",
		"AGREEMENT_EXCLUDES_US_PERSONS", "UNVERIFIED_REQUESTER", "EMERGENCY_UNVERIFIED", "NO_TARGET", "NO_CATEGORIES"} {
		want = append(want, "deficiency "+d)
	}
	for _, c := range s.data.Conflicts {
		want = append(want, "conflict "+c.Code)
	}
	for _, d := range []string{"RESPOND", "ENFORCING_AUTHORITY_WINDOW", "CONFLICT_OBJECTION", "PRESERVE_UNTIL", "VALIDATION",
		"COMITY_MOTION", "NOTICE", "EARLIEST_DISCLOSURE"} {
		want = append(want, "deadline "+d)
	}
	for _, f := range []string{"NATIONAL_SECURITY", "INDEFINITE_NDO", "NDO_OVER_ONE_YEAR", "EMERGENCY", "CONTENT_TECHNICALLY_UNAVAILABLE", "CROSS_BORDER"} {
		want = append(want, "flag "+f)
	}
	want = append(want, "notify DPA", "comity statutory_motion", "comity common_law_challenge", "customer-first exception emergency", "content not accessible")
	for _, e := range s.rb.CustomerFirstExceptions() {
		want = append(want, "customer-first exception "+e)
	}
	for _, w := range want {
		if seen[w] == 0 {
			t.Errorf("no case of the mix reaches %s", w)
		}
	}
	if testing.Verbose() {
		keys := make([]string, 0, len(seen))
		for k := range seen {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			t.Logf("%-45s %4d", k, seen[k])
		}
	}
}

// TestGeneratedCasesAreDeterministic checks that the same seed gives the
// same cases, so that a disagreement can be reproduced.
func TestGeneratedCasesAreDeterministic(t *testing.T) {
	a, b := testSuite(t), testSuite(t)
	for i := range a.cases {
		x, _ := json.Marshal(a.cases[i])
		y, _ := json.Marshal(b.cases[i])
		if a.names[i] != b.names[i] || !bytes.Equal(x, y) {
			t.Fatalf("case %d differs between two runs with seed 1: %s and %s", i, x, y)
		}
	}
}

// TestDisagreementIsReported checks that the comparison notices a policy
// that concludes otherwise than writ.
func TestDisagreementIsReported(t *testing.T) {
	s := testSuite(t)
	// A rulebook in which no authority may use any instrument: every case
	// is WRONG_JURISDICTION for OPA, not for writ.
	broken := *s.data
	broken.Instruments = map[string]instrumentData{}
	for code, in := range s.data.Instruments {
		in.AuthorityCountries = countrySet{}
		broken.Instruments[code] = in
	}
	var err error
	if s.opa, err = prepareOPA(context.Background(), &broken); err != nil {
		t.Fatal(err)
	}
	_, diffs, err := s.agreement(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) == 0 {
		t.Fatal("no disagreement found with a broken data document")
	}
	var buf bytes.Buffer
	reportDisagreements(&buf, diffs[:1], len(s.cases))
	if !strings.Contains(buf.String(), "WRONG_JURISDICTION") || !strings.Contains(buf.String(), "differing: ") {
		t.Errorf("the report does not show the deficiencies that differ:\n%s", buf.String())
	}
}

func TestModuleOf(t *testing.T) {
	for _, tc := range []struct{ gomod, want string }{
		{"module writ\n\ngo 1.26\n", "writ"},
		{"// comment\nmodule \"writ\"\n", "writ"},
		{"module writ/bench/opa\n", "writ/bench/opa"},
		{"modules x\n", ""},
	} {
		if got := moduleOf([]byte(tc.gomod)); got != tc.want {
			t.Errorf("moduleOf(%q) = %q, want %q", tc.gomod, got, tc.want)
		}
	}
}

// BenchmarkWrit assesses the case mix in turn with writ, each case already
// decoded.
func BenchmarkWrit(b *testing.B) {
	s := testSuite(b)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		_ = s.rb.Assess(s.cases[n%len(s.cases)])
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "assessments/s")
}

// BenchmarkOPA assesses the same mix with OPA's prepared query, each case
// already converted to OPA's input.
func BenchmarkOPA(b *testing.B) {
	s := testSuite(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		if _, err := s.evalOPA(ctx, n%len(s.inputs)); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "assessments/s")
}

// TestPolicyIsFormatted checks that the policy is written as `opa fmt`
// writes it.
func TestPolicyIsFormatted(t *testing.T) {
	names, err := fs.Glob(policyFiles, "policy/*.rego")
	if err != nil || len(names) == 0 {
		t.Fatalf("no policy files (%v)", err)
	}
	for _, name := range names {
		src, err := fs.ReadFile(policyFiles, name)
		if err != nil {
			t.Fatal(err)
		}
		formatted, err := format.Source(name, src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(src, formatted) {
			t.Errorf("%s is not formatted as opa fmt would write it:\n%s", name, formatted)
		}
	}
}
