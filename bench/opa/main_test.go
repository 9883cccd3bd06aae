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

	"writ/rules"
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
	if agreed != len(s.cases) || s.examples == 0 || s.probes != len(probes) || s.generated != 400 {
		t.Fatalf("agreed on %d of %d cases (%d from files, %d probes, %d generated)", agreed, len(s.cases), s.examples, s.probes, s.generated)
	}
	t.Logf("writ and OPA agree on all %d cases (%d from files, %d probes, %d generated)", agreed, s.examples, s.probes, s.generated)
}

// TestCaseMixCoversTheRules checks that the agreement is tested on every
// conclusion writ can reach: each route, deficiency, conflict, notice
// timing, deadline, flag, comity outcome, customer-first exception, kind of
// authority to notify and way of counting in the transparency report occurs
// in some case of the mix.
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
			if n.Authority != n.Country {
				seen["notify "+n.Code+" of a subdivision"]++
			}
		}
		for _, n := range writCounting(s.rb, s.transparency, c) {
			seen["counted "+n.Counted]++
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
	for _, d := range []string{"WRONG_JURISDICTION", "WRONG_REQUESTER_KIND", "INSTRUMENT_NOT_IN_FORCE", "JUDGE_REQUIRED", "VALIDATION_REQUIRED",
		"CATEGORY_NOT_PERMITTED", "OFFENCE_THRESHOLD", "SERIOUS_CRIME_THRESHOLD", "AGREEMENT_EXCLUDES_US_PERSONS", "UNVERIFIED_REQUESTER",
		"EMERGENCY_UNVERIFIED", "NO_TARGET", "NO_CATEGORIES"} {
		want = append(want, "deficiency "+d)
	}
	for _, c := range s.data.Conflicts {
		want = append(want, "conflict "+c.Code)
	}
	for _, d := range []string{"RESPOND", "ENFORCING_AUTHORITY_WINDOW", "CONFLICT_OBJECTION", "PRESERVE_UNTIL", "VALIDATION",
		"COMITY_MOTION", "OBJECTION", "NOTICE", "EARLIEST_DISCLOSURE"} {
		want = append(want, "deadline "+d)
	}
	for _, f := range []string{"NATIONAL_SECURITY", "INDEFINITE_NDO", "NDO_OVER_ONE_YEAR", "EMERGENCY", "CONTENT_TECHNICALLY_UNAVAILABLE", "CROSS_BORDER",
		"OBJECTION_WINDOW_EXCEEDS_DEADLINE", "PRESERVE_UNTIL_PRODUCED"} {
		want = append(want, "flag "+f)
	}
	want = append(want, "notify DPA", "notify DPA of a subdivision", "comity statutory_motion", "comity common_law_challenge",
		"customer-first exception national_security", "customer-first exception emergency", "content not accessible",
		"counted "+countedExact, "counted "+countedBands, "counted "+countedLeftOut)
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

// cloneData is a deep copy of the data document, to break.
func cloneData(t *testing.T, d *rulebookData) *rulebookData {
	t.Helper()
	text, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var out rulebookData
	if err := json.Unmarshal(text, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// TestDisagreementIsReported checks that the comparison notices a policy
// fed a rulebook that concludes otherwise than writ's: v1's readings of the
// rules v2 changed, and other misreadings of the v2 data. Each must make
// some case disagree on the conclusion it decides, and the report must say
// which.
func TestDisagreementIsReported(t *testing.T) {
	s := testSuite(t)
	instrument := func(d *rulebookData, code string, change func(*instrumentData)) {
		in := d.Instruments[code]
		change(&in)
		d.Instruments[code] = in
	}
	tests := []struct {
		name   string
		break_ func(d *rulebookData)
		field  string // a key that must differ
		shows  string // what the report must show
	}{
		{"no authority may use any instrument", func(d *rulebookData) {
			for code := range d.Instruments {
				instrument(d, code, func(in *instrumentData) { in.AuthorityCountries = countrySet{} })
			}
		}, "deficiencies", "WRONG_JURISDICTION"},
		{"every instrument always in force (v1)", func(d *rulebookData) {
			for code := range d.Instruments {
				instrument(d, code, func(in *instrumentData) { in.InForceFrom, in.InForceUntil = "", "" })
			}
		}, "deficiencies", "INSTRUMENT_NOT_IN_FORCE"},
		{"an NSL compels traffic data (v1)", func(d *rulebookData) {
			instrument(d, "us_nsl", func(in *instrumentData) { in.Compels = []string{"subscriber", "identification", "traffic"} })
		}, "permitted_categories", "differing: "},
		{"a private party may use any instrument", func(d *rulebookData) {
			d.Requesters.DefaultKinds = append(d.Requesters.DefaultKinds, rules.KindPrivateParty)
		}, "deficiencies", "WRONG_REQUESTER_KIND"},
		{"executive agreements without the serious-crime threshold", func(d *rulebookData) {
			for _, code := range []string{"uk_copo", "au_ipo"} {
				instrument(d, code, func(in *instrumentData) { in.SeriousCrimeMinMaxYears = nil })
			}
		}, "deficiencies", "SERIOUS_CRIME_THRESHOLD"},
		{"a person located in the US does not exclude an agreement order", func(d *rulebookData) {
			d.USPersons.LocatedIn = countrySet{}
		}, "deficiencies", "AGREEMENT_EXCLUDES_US_PERSONS"},
		{"foreign police without country profiles", func(d *rulebookData) {
			instrument(d, "foreign_police_request", func(in *instrumentData) { in.ByAuthorityCountry = nil })
		}, "permitted_categories", "differing: "},
		{"a Brazilian preservation request kept the default 90 days", func(d *rulebookData) {
			instrument(d, "foreign_preservation_request", func(in *instrumentData) { in.Deadlines[0].ByAuthorityCountryNS = nil })
		}, "deadlines", "differing: "},
		{"a civil subpoena without an objection deadline", func(d *rulebookData) {
			instrument(d, "us_civil_subpoena", func(in *instrumentData) { in.Deadlines = []deadlineData{} })
		}, "deadlines", "differing: "},
		{"the enforcing authority's window counted in UTC", func(d *rulebookData) {
			d.Provider.EURepresentativeTimezone = "UTC"
		}, "deadlines", "differing: "},
		{"a delayed notice reviewed at 00:00 UTC (v1)", func(d *rulebookData) {
			d.Policy.NoticeReviewHourUTC = 0
		}, "deadlines", "differing: "},
		{"EU orders not confidential (v1)", func(d *rulebookData) {
			for _, code := range []string{"eu_epoc", "eu_epoc_pr"} {
				instrument(d, code, func(in *instrumentData) { in.Confidential = false })
			}
		}, "notice", "differing: "},
		{"the German Länder left out of the DPA directory (v1)", func(d *rulebookData) {
			for key := range d.DPAs {
				if strings.HasPrefix(key, "DE-") {
					delete(d.DPAs, key)
				}
			}
		}, "notify_authorities", "differing: "},
		{"GDPR_ART48 raised for a verified emergency request (v1)", func(d *rulebookData) {
			for i := range d.Conflicts {
				d.Conflicts[i].When.UnlessVerifiedEmergencyInstrumentIn = nil
			}
		}, "conflicts", "differing: "},
		{"a verified emergency request in conflict is challenged (v1)", func(d *rulebookData) {
			d.OnConflict.Decline.Instruments = []string{}
		}, "route", "differing: "},
		{"foreign national-security demands counted in the report", func(d *rulebookData) {
			d.Transparency.IncludeForeignNationalSecurity = true
		}, "report_counting.a3", "differing: "},
		{"a1's FISA figures without the delay of 1874(b)(1)(B)", func(d *rulebookData) {
			a1 := d.Transparency.Structures["a1"]
			a1.FISAPeriod = rules.PeriodHalfYear
			d.Transparency.Structures["a1"] = a1
		}, "report_counting.a1", "differing: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			broken := cloneData(t, s.data)
			tt.break_(broken)
			bs := *s
			if err := bs.usePolicyWith(context.Background(), broken); err != nil {
				t.Fatal(err)
			}
			_, diffs, err := bs.agreement(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var caught []disagreement
			for _, d := range diffs {
				if d.err == nil && slices.Contains(d.fields, tt.field) {
					caught = append(caught, d)
				}
			}
			if len(caught) == 0 {
				t.Fatalf("no case disagrees on %s (%d disagree otherwise)", tt.field, len(diffs))
			}
			var buf bytes.Buffer
			reportDisagreements(&buf, caught[:1], len(s.cases))
			if !strings.Contains(buf.String(), tt.shows) || !strings.Contains(buf.String(), tt.field) {
				t.Errorf("the report does not show %s and %s:\n%s", tt.shows, tt.field, buf.String())
			}
		})
	}
}

// TestDataDocumentIsCheckedAgainstWrit checks that a misreading of what the
// rules package exports stops opa-bench before any case is assessed.
func TestDataDocumentIsCheckedAgainstWrit(t *testing.T) {
	s := testSuite(t)
	tests := []struct {
		name   string
		change func(d *rulebookData)
		want   string
	}{
		{"a citation", func(d *rulebookData) {
			in := d.Instruments["us_nsl"]
			in.Citation = "18 U.S.C. 2703"
			d.Instruments["us_nsl"] = in
		}, "instrument us_nsl"},
		{"an instrument's confidentiality", func(d *rulebookData) {
			in := d.Instruments["us_subpoena"]
			in.Confidential = true
			d.Instruments["us_subpoena"] = in
		}, "us_subpoena: confidential"},
		{"a Land's authority", func(d *rulebookData) {
			a := d.DPAs["DE-BY"]
			a.Email = "poststelle@bfdi.bund.de"
			d.DPAs["DE-BY"] = a
		}, "data protection authority DE-BY"},
		{"a subdivision writ does not have", func(d *rulebookData) {
			d.DPAs["ES-CT"] = d.DPAs["ES"]
		}, "data protection authority ES-CT"},
		{"the notice review hour", func(d *rulebookData) { d.Policy.NoticeReviewHourUTC = 0 }, "notice_review_hour_utc"},
		{"a band", func(d *rulebookData) {
			a2 := d.Transparency.Structures["a2"]
			a2.Band = 250
			d.Transparency.Structures["a2"] = a2
		}, "transparency structure a2"},
		{"a class", func(d *rulebookData) { d.Transparency.Classes["us_fisa_order"] = "fisa_contents" }, "us_fisa_order asking [subscriber]"},
		{"the structure in use", func(d *rulebookData) { d.Transparency.NationalSecurityBands = "a4" }, "national_security_bands"},
		{"the instruments exempt from US_SCA_2702A", func(d *rulebookData) {
			for i := range d.Conflicts {
				d.Conflicts[i].When.UnlessSufficientInstrumentIn = nil
			}
		}, "US_SCA_2702A"},
	}
	if err := cloneData(t, s.data).check(s.rb); err != nil {
		t.Fatalf("the data document as converted: %v", err)
	}
	for _, tt := range tests {
		d := cloneData(t, s.data)
		tt.change(d)
		if err := d.check(s.rb); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s changed: check says %v, want an error about %s", tt.name, err, tt.want)
		}
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
