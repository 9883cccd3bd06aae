package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/auditlog"
	"writ/report"
	"writ/rules"
	"writ/store"
	"writ/store/storetest"
)

func TestReportSQLite(t *testing.T) {
	testReports(t, storetest.SQLite, withRulebook(storetest.SQLiteWith))
}
func TestReportPostgres(t *testing.T) {
	testReports(t, storetest.Postgres, withRulebook(storetest.PostgresWith))
}

// withRulebook opens stores that assess with rb instead of the built-in
// rulebook.
func withRulebook(with func(func(*store.Options)) storetest.Opener) func(*rules.Rulebook) storetest.Opener {
	return func(rb *rules.Rulebook) storetest.Opener {
		return with(func(o *store.Options) { o.Rules = rb })
	}
}

// reportFixture is a store holding the report data set, the log's key, and
// the reports computed from the store.
type reportFixture struct {
	*storetest.Fixture
	data    *storetest.ReportData
	key     *auditlog.Key
	reports *report.Service
}

func newReportFixture(t *testing.T, open storetest.Opener) *reportFixture {
	t.Helper()
	f := storetest.NewFixture(t, open)
	key, err := auditlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "log.key"), "writ.test/log")
	if err != nil {
		t.Fatal(err)
	}
	return &reportFixture{Fixture: f, data: storetest.NewReportData(t, f), key: key, reports: report.NewService(f.Store, f.Store.Rules(), f.Clock.Now)}
}

var h2 = report.Period{Year: 2026, Half: 2}

// checkpoint signs a checkpoint of the log as it is now.
func (f *reportFixture) checkpoint(t *testing.T) []byte {
	t.Helper()
	signed, err := f.Store.IssueCheckpoint(context.Background(), f.key.Signer)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

// build builds the report of 2026-H2 as of the checkpoint, computed once
// the half-year has ended (so that it gives bands), with the rulebook's
// structure or the one bands names.
func (f *reportFixture) build(t *testing.T, signed []byte, bands ...string) *report.Report {
	t.Helper()
	opts := report.BuildOptions{Period: h2, Checkpoint: signed, Verifier: f.key.Verifier, AsOf: storetest.BandsAfter}
	if len(bands) > 0 {
		opts.Bands = bands[0]
	}
	r, err := f.reports.BuildReport(context.Background(), f.Auditor, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *reportFixture) demand(name string) int64 { return f.data.Demands[name].ID }

func testReports(t *testing.T, open storetest.Opener, with func(*rules.Rulebook) storetest.Opener) {
	t.Run("demands of foreign national-security authorities are counted when the rulebook includes them", func(t *testing.T) {
		t.Parallel()
		rb, _ := storetest.RulebookWith(t, "include_foreign_national_security: false", "include_foreign_national_security: true")
		testForeignIncluded(t, newReportFixture(t, with(rb)))
	})
	for _, c := range []struct {
		name string
		fn   func(*testing.T, *reportFixture)
	}{
		{"the figures of a known data set are exact", testExactFigures},
		{"US national-security process is only in bands, foreign national-security demands nowhere", testNationalSecurity},
		{"each structure's bands cover its half-years, from the records and from the log", testBandStructures},
		{"reconciliation fails on a corrupted record", testCorruptedRecords},
		{"verify passes, then fails after any change of a record", testVerify},
		{"a report of an older checkpoint keeps its figures", testOlderCheckpoint},
		{"a report of an older checkpoint replays every demand changed since, however many", testManyChangedSince},
		{"the canary drops the statements the records falsify", testCanary},
		{"publishing appends the report's hash to the log", testPublish},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Each case has a database of its own.
			t.Parallel()
			c.fn(t, newReportFixture(t, open))
		})
	}
}

// want is a country's figures as the data set's documentation gives them.
type want struct {
	demands, accounts                                        int64
	content, nonContent, noData, rejected, redirected, wdrwn int64
	pending, emergency, emergencyData, ent, entData, delayed int64
}

func (w want) check(t *testing.T, where string, f report.Figures) {
	t.Helper()
	got := want{f.Demands, f.Accounts, f.Outcomes.ContentDisclosed.Demands, f.Outcomes.NonContentDisclosed.Demands,
		f.Outcomes.NoData.Demands, f.Outcomes.Rejected.Demands, f.Outcomes.Redirected.Demands, f.Outcomes.Withdrawn.Demands,
		f.Outcomes.Pending.Demands, f.Emergency, f.EmergencyWithData, f.EnterpriseCustomers, f.EnterpriseCustomersWithData, f.DelayedNotices}
	if got != w {
		t.Errorf("%s:\n got %+v\nwant %+v", where, got, w)
	}
}

func testExactFigures(t *testing.T, f *reportFixture) {
	signed := f.checkpoint(t)
	r := f.build(t, signed)
	wants := map[string]want{
		"US": {10, 11, 3, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1},
		"DE": {4, 4, 1, 1, 0, 1, 1, 0, 0, 0, 0, 1, 0, 1},
		"FR": {3, 4, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0},
	}
	var codes []string
	for _, c := range r.Countries {
		codes = append(codes, c.Country)
		w, ok := wants[c.Country]
		if !ok {
			t.Errorf("unexpected country %s", c.Country)
			continue
		}
		w.check(t, c.Country, c.Figures)
	}
	if !slices.Equal(codes, []string{"DE", "FR", "US"}) {
		t.Errorf("countries %v, want DE FR US", codes)
	}
	want{17, 19, 4, 2, 2, 2, 2, 2, 3, 1, 1, 2, 1, 2}.check(t, "totals", r.Totals)
	// Percentages are each computed from their counts: 2 of 17 is 11.8 %,
	// 4 of 17 is 23.5 %; adding the countries' percentages would not give these.
	if r.Totals.Outcomes.Rejected.Percent != 118 || r.Totals.Outcomes.ContentDisclosed.Percent != 235 {
		t.Errorf("totals percentages: rejected %s, content %s", r.Totals.Outcomes.Rejected.Percent, r.Totals.Outcomes.ContentDisclosed.Percent)
	}
	instruments := map[string]int64{}
	for _, in := range r.Instruments {
		instruments[in.Instrument] = in.Demands
		if in.Instrument == "us_nsl" || in.Instrument == "us_fisa_order" || in.Instrument == "us_fisa_702_directive" {
			t.Errorf("national-security instrument %s is listed", in.Instrument)
		}
	}
	for code, n := range map[string]int64{"us_search_warrant": 4, "us_subpoena": 4, "us_emergency": 1, "us_2703d_order": 1,
		"foreign_police_request": 6, "mlat": 1, "eu_epoc": 0} {
		if instruments[code] != n {
			t.Errorf("instrument %s: %d demands, want %d", code, instruments[code], n)
		}
	}
	categories := map[string]int64{}
	for _, c := range r.DataCategories {
		categories[c.Category] = c.Demands
	}
	if fmt.Sprint(categories) != fmt.Sprint(map[string]int64{"content": 5, "identification": 0, "subscriber": 11, "traffic": 1}) {
		t.Errorf("categories %v", categories)
	}
	ns := r.NationalSecurity
	if ns.Structure != "a3" || ns.Citation != "50 U.S.C. 1874(a)(3)" || ns.BandWidth != 250 || len(ns.Figures) != 1 ||
		ns.Figures[0] != (report.BandFigure{Process: report.ProcessCombined, Period: "2026-H2", PeriodStart: h2.Start(), PeriodEnd: h2.End(), Demands: "0-249", Selectors: "0-249"}) {
		t.Errorf("national security %+v", ns)
	}
	if r.NotIncluded.Statement != "One category of demand is not included in this report: demands of foreign national-security authorities." {
		t.Errorf("not included %+v", r.NotIncluded)
	}
	size, _ := f.Store.LogSize(context.Background())
	if r.Checkpoint.TreeSize != size || r.Checkpoint.Note != string(signed) || r.Rulebook != "v2" || r.Period != "2026-H2" {
		t.Errorf("checkpoint %+v, log size %d", r.Checkpoint, size)
	}
	if r.Reconciliation.DemandsCounted != 17 || r.Reconciliation.ClosedCounted != 14 {
		t.Errorf("reconciliation %+v", r.Reconciliation)
	}
	// One row per country × outcome group, adding up to the country.
	if len(r.Rows) != 3*7 {
		t.Errorf("%d rows, want 21", len(r.Rows))
	}
	for _, row := range r.Rows {
		if row.Country == "US" && row.OutcomeGroup == "pending" && (row.Demands != 2 || row.Accounts != 2 || row.DelayedNotices != 1 || row.Percent != 200) {
			t.Errorf("US pending row %+v", row)
		}
	}
}

// exact is a report without what may differ between two computations of
// the same figures: the checkpoint, the time and the national-security
// bands.
func exact(t *testing.T, r *report.Report) string {
	t.Helper()
	c := *r
	c.Checkpoint, c.AsOf, c.NationalSecurity = report.Checkpoint{}, time.Time{}, report.NationalSecurity{}
	c.Reconciliation.Checks = nil
	b, err := c.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func testNationalSecurity(t *testing.T, f *reportFixture) {
	ctx := context.Background()
	before := f.build(t, f.checkpoint(t))
	nsa, err := f.Store.CreateAgency(ctx, writ.System(), store.AgencyInput{Name: "National Security Division", Country: "US",
		Kind: "national_security", Phone: "+1 555 0300", Verified: true, Verification: "DOJ registry"})
	if err != nil {
		t.Fatal(err)
	}
	gchq, err := f.Store.CreateAgency(ctx, writ.System(), store.AgencyInput{Name: "Signals Intelligence", Country: "GB",
		Kind: "national_security", Verified: true, Verification: "embassy"})
	if err != nil {
		t.Fatal(err)
	}
	// Enterprise customers named only by demands that are not counted
	// exactly would show in the customers affected.
	for _, c := range []struct{ name, account string }{{"Gamma Ltd", "gina@gamma.example"}, {"Delta Ltd", "dora@delta.example"}} {
		if _, err := f.Store.CreateCustomer(ctx, writ.System(), store.CustomerInput{Name: c.name, Kind: "enterprise", HomeCountry: "US",
			LegalContact: "legal@" + strings.Split(c.account, "@")[1], KeyCustody: "provider_managed",
			DataLocations: []writ.DataLocation{{Region: "us-west-2", Country: "US"}}, Accounts: []string{c.account}}); err != nil {
			t.Fatal(err)
		}
	}
	at := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 8, 0, 0, 0, time.UTC) }
	for _, s := range []storetest.ReportSpec{
		// US national-security process: bands only.
		{Name: "nsl", Agency: nsa, Instrument: "us_nsl", IssuedBy: "other", Categories: []string{"subscriber"},
			Accounts: []string{"dora@delta.example"}, Received: at(time.August, 1), Outcome: writ.OutcomeNonContentDisclosed},
		{Name: "fisa-by-police", Agency: f.AgencyUS, Instrument: "us_fisa_order", IssuedBy: "judge", Categories: []string{"content"},
			Accounts: []string{"dora@delta.example"}, Received: at(time.August, 2), Outcome: string(writ.StateInReview)},
		// Ordinary process of a US national-security authority: exact.
		{Name: "subpoena-by-nsa", Agency: nsa, Instrument: "us_subpoena", IssuedBy: "other", Categories: []string{"subscriber"},
			Accounts: []string{"gina@gamma.example"}, Received: at(time.August, 3), Outcome: writ.OutcomeRejected},
		{Name: "emergency-gag-by-nsa", Agency: nsa, Instrument: "us_emergency", IssuedBy: "other", Categories: []string{"traffic"},
			Accounts: []string{"alice@acme.example"}, Received: at(time.August, 4), Emergency: true, Gag: "indefinite", Outcome: writ.OutcomeWithdrawn},
		// A foreign national-security authority: nowhere, whatever the
		// instrument.
		{Name: "foreign-intelligence", Agency: gchq, Instrument: "foreign_police_request", IssuedBy: "police", Categories: []string{"subscriber"},
			Accounts: []string{"ben@beispiel.example"}, Received: at(time.August, 5), Outcome: string(writ.StateReceived)},
		{Name: "foreign-directive", Agency: gchq, Instrument: "us_fisa_702_directive", IssuedBy: "other", Categories: []string{"content"},
			Accounts: []string{"dora@delta.example"}, Received: at(time.August, 6), Outcome: string(writ.StateReceived)},
	} {
		d := storetest.MakeDemand(t, f.Fixture, s)
		if !slices.Contains(d.Flags, "NATIONAL_SECURITY") {
			t.Fatalf("%s: flags %v", s.Name, d.Flags)
		}
	}
	after := f.build(t, f.checkpoint(t))
	var diffs []string
	for _, d := range report.Diff(before, after) {
		if !strings.HasPrefix(d, "checkpoint.") {
			diffs = append(diffs, d)
		}
	}
	// Exactly the two demands of ordinary process: US rejected and
	// withdrawn, an emergency, an outstanding gag, and Gamma among the
	// enterprise customers.
	wantDiffs := []string{
		"countries[US].accounts_specified: 11 ≠ 13", "countries[US].delayed_notices_outstanding: 1 ≠ 2",
		"countries[US].demands_received: 10 ≠ 12", "countries[US].emergency_demands: 1 ≠ 2",
		"countries[US].enterprise_customers_affected: 1 ≠ 2",
		"countries[US].outcomes.content_disclosed.percent: 30 ≠ 25", "countries[US].outcomes.no_data.percent: 10 ≠ 8.3",
		"countries[US].outcomes.non_content_disclosed.percent: 10 ≠ 8.3", "countries[US].outcomes.pending.percent: 20 ≠ 16.7",
		"countries[US].outcomes.redirected.percent: 10 ≠ 8.3", "countries[US].outcomes.rejected.demands: 1 ≠ 2",
		"countries[US].outcomes.rejected.percent: 10 ≠ 16.7", "countries[US].outcomes.withdrawn.demands: 1 ≠ 2",
		"countries[US].outcomes.withdrawn.percent: 10 ≠ 16.7",
	}
	for _, w := range wantDiffs {
		if !slices.Contains(diffs, w) {
			t.Errorf("the differences lack %q", w)
		}
	}
	for _, d := range diffs {
		if strings.Contains(d, "[GB") || strings.Contains(d, "national_security") || strings.Contains(d, "us_nsl") || strings.Contains(d, "us_fisa") {
			t.Errorf("a difference of process counted nowhere or only in bands: %s", d)
		}
	}
	want2 := map[string]int64{"us_subpoena": 5, "us_emergency": 2}
	for _, in := range after.Instruments {
		if n, ok := want2[in.Instrument]; ok && in.Demands != n {
			t.Errorf("instrument %s: %d demands, want %d", in.Instrument, in.Demands, n)
		}
		if in.Instrument == "us_nsl" || in.Instrument == "us_fisa_order" || in.Instrument == "us_fisa_702_directive" {
			t.Errorf("US national-security instrument %s is listed", in.Instrument)
		}
	}
	want{19, 21, 4, 2, 2, 3, 2, 3, 3, 2, 1, 3, 1, 3}.check(t, "totals", after.Totals)
	if f := after.NationalSecurity.Figures; len(f) != 1 || f[0].Demands != "0-249" || f[0].Selectors != "0-249" {
		t.Errorf("bands %+v", after.NationalSecurity)
	}
	for _, c := range after.Countries {
		if c.Country == "GB" {
			t.Error("a country with only demands of a foreign national-security authority is listed")
		}
	}
	// The report verifies, from the log and from the records alike.
	published, _ := after.JSON()
	if v := f.verify(t, published); len(v.Problems) > 0 {
		t.Fatalf("verify:\n%s", strings.Join(v.Problems, "\n"))
	}
}

// testForeignIncluded: with include_foreign_national_security, the demands
// of a foreign national-security authority are counted in exact figures
// under its country like any other, even with a US national-security
// instrument, and the report no longer says they are left out.
func testForeignIncluded(t *testing.T, f *reportFixture) {
	storetest.NewBandData(t, f.Fixture)
	r := f.build(t, f.checkpoint(t))
	var gb *report.CountryFigures
	for i := range r.Countries {
		if r.Countries[i].Country == "GB" {
			gb = &r.Countries[i]
		}
	}
	if gb == nil {
		t.Fatal("GB is not in the report")
	}
	want{2, 901, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0}.check(t, "GB", gb.Figures)
	var directive int64
	for _, in := range r.Instruments {
		if in.Instrument == "us_fisa_702_directive" {
			directive = in.Demands
		}
	}
	if directive != 1 {
		t.Errorf("the foreign authority's directive: %d demands, want 1", directive)
	}
	if len(r.NotIncluded.Categories) != 0 || r.NotIncluded.Statement != "No category of demand is left out of this report." {
		t.Errorf("not included %+v", r.NotIncluded)
	}
	// In no band: a3 counts the two US demands of 2026-H2 only.
	if fs := r.NationalSecurity.Figures; len(fs) != 1 || fs[0].Selectors != "250-499" {
		t.Errorf("bands %+v", r.NationalSecurity)
	}
	published, _ := r.JSON()
	if v := f.verify(t, published); len(v.Problems) > 0 {
		t.Fatalf("verify:\n%s", strings.Join(v.Problems, "\n"))
	}
}

// testBandStructures builds the report of 2026-H2 with each structure from
// the band data set: each gives the bands of the half-years it covers, the
// report verifies, and a change of a record of an earlier half-year it
// covers is found.
func testBandStructures(t *testing.T, f *reportFixture) {
	ctx := context.Background()
	data := storetest.NewBandData(t, f.Fixture)
	type band struct{ process, period, demands, selectors string }
	bandsOf := func(r *report.Report) []band {
		var out []band
		for _, x := range r.NationalSecurity.Figures {
			out = append(out, band{x.Process, x.Period, x.Demands, x.Selectors})
		}
		return out
	}
	wants := map[string][]band{
		"a1": {{"nsl", "2026-H2", "0-999", "0-999"}, {"fisa_contents", "2025-H1", "0-999", "1000-1999"}, {"fisa_non_contents", "2025-H1", "0-999", "0-999"}},
		"a2": {{"nsl", "2026-H2", "0-499", "0-499"}, {"fisa_contents", "2025-H1", "0-499", "1000-1499"}, {"fisa_non_contents", "2025-H1", "0-499", "0-499"}},
		"a3": {{"us_national_security_process", "2026-H2", "0-249", "250-499"}},
		"a4": {{"us_national_security_process", "2025", "0-99", "2100-2199"}},
	}
	signed := f.checkpoint(t)
	published := map[string][]byte{}
	for _, code := range []string{"a1", "a2", "a3", "a4"} {
		r := f.build(t, signed, code)
		if got := bandsOf(r); !slices.Equal(got, wants[code]) {
			t.Errorf("%s: bands %v, want %v", code, got, wants[code])
		}
		// The exact figures do not depend on the structure.
		if code != "a3" && exact(t, r) != exact(t, f.build(t, signed)) {
			t.Errorf("%s: the exact figures differ from a3's", code)
		}
		published[code], _ = r.JSON()
		if v := f.verify(t, published[code]); len(v.Problems) > 0 {
			t.Fatalf("%s: verify:\n%s", code, strings.Join(v.Problems, "\n"))
		}
	}
	// Before the half-year ends, no structure gives a band.
	early, err := f.reports.BuildReport(ctx, f.Auditor, report.BuildOptions{Period: h2, Checkpoint: signed, Verifier: f.key.Verifier, Bands: "a1"})
	if err != nil {
		t.Fatal(err)
	}
	if ns := early.NationalSecurity; len(ns.Figures) != 0 || ns.Withheld != report.WithheldHalfYearNotEnded {
		t.Errorf("before the end of the half-year: %+v", ns)
	}
	// a4 gives no figure in the report of a first half.
	first, err := f.reports.BuildReport(ctx, f.Auditor, report.BuildOptions{Period: report.Period{Year: 2026, Half: 1}, Checkpoint: signed,
		Verifier: f.key.Verifier, AsOf: storetest.BandsAfter, Bands: "a4"})
	if err != nil {
		t.Fatal(err)
	}
	if ns := first.NationalSecurity; len(ns.Figures) != 0 || ns.Withheld != report.WithheldAnnual {
		t.Errorf("a4, first half: %+v", ns)
	}
	if _, err := f.reports.BuildReport(ctx, f.Auditor, report.BuildOptions{Period: h2, Checkpoint: signed, Verifier: f.key.Verifier, Bands: "a5"}); writ.ErrorField(err) != "bands" {
		t.Errorf("structure a5: %v", err)
	}

	// A demand of 2025-H1 closed after the checkpoint is replayed as it
	// stood; one dated into 2025-H1 but recorded after it is not counted.
	f.Clock.Advance(time.Hour)
	nonContents := data.Demands["fisa-non-contents-2025-h1"].ID
	if _, err := f.Store.Transition(ctx, f.Reviewer, nonContents, writ.TransitionInput{To: writ.StateClosed, Withdrawn: true, Rationale: "withdrawn"}); err != nil {
		t.Fatal(err)
	}
	accounts := make([]string, 990)
	for i := range accounts {
		accounts[i] = fmt.Sprintf("user%04d@big.example", i)
	}
	storetest.MakeDemand(t, f.Fixture, storetest.ReportSpec{Name: "late-fisa", Agency: data.NationalSecurity, Instrument: "us_fisa_order", IssuedBy: "judge",
		Categories: []string{"traffic"}, Accounts: accounts, Received: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC), Outcome: string(writ.StateReceived)})
	for _, code := range []string{"a1", "a4"} {
		again := f.build(t, signed, code)
		if got := bandsOf(again); !slices.Equal(got, wants[code]) {
			t.Errorf("%s at the old checkpoint: %v, want %v", code, got, wants[code])
		}
		if v := f.verify(t, published[code]); len(v.Problems) > 0 {
			t.Fatalf("%s: later changes broke the report:\n%s", code, strings.Join(v.Problems, "\n"))
		}
	}
	if now := f.build(t, f.checkpoint(t), "a1"); bandsOf(now)[2].selectors != "1000-1999" {
		t.Errorf("a1 at the new checkpoint: %v", bandsOf(now))
	}

	// A record of 2025-H1 changed behind the log's back fails the reports
	// whose bands cover 2025-H1, and not a3's, which does not.
	contents := data.Demands["fisa-contents-2025-h1"].ID
	if err := store.ExecRaw(f.Store, `UPDATE demands SET instrument = 'us_subpoena' WHERE id = $1`, contents); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"a1", "a2", "a4"} {
		v := f.verify(t, published[code])
		if !slices.ContainsFunc(v.Problems, func(p string) bool {
			return strings.Contains(p, fmt.Sprintf("demand %d: the instrument is us_subpoena in the records but us_fisa_order according to the log", contents))
		}) || !slices.ContainsFunc(v.Problems, func(p string) bool {
			return strings.HasPrefix(p, "recomputed from the records: national_security.figures[")
		}) {
			t.Errorf("%s: the change of a 2025-H1 record was not found:\n%s", code, strings.Join(v.Problems, "\n"))
		}
	}
	if v := f.verify(t, published["a3"]); len(v.Problems) > 0 {
		t.Errorf("a3 covers only 2026-H2, yet:\n%s", strings.Join(v.Problems, "\n"))
	}
	if err := store.ExecRaw(f.Store, `UPDATE demands SET instrument = 'us_fisa_order' WHERE id = $1`, contents); err != nil {
		t.Fatal(err)
	}
	if v := f.verify(t, published["a1"]); len(v.Problems) > 0 {
		t.Fatalf("undone, a1 still fails:\n%s", strings.Join(v.Problems, "\n"))
	}
}

func testCorruptedRecords(t *testing.T, f *reportFixture) {
	cases := []struct {
		name, set, undo, demand string
		want                    string
	}{
		{"unknown country", `authority_country = 'XX'`, `authority_country = 'DE'`, "de-rejected", `country "XX"`},
		{"national-security flag removed from a record", `flags = '[]', instrument = 'us_nsl'`,
			`flags = '[]', instrument = 'us_subpoena'`, "us-rejected", "NATIONAL_SECURITY flag"},
		{"unknown state", `state = 'lost'`, `state = 'in_review'`, "us-pending-gag", "its state is not one of writ's"},
		{"unknown data category", `data_categories = '["photos"]'`, `data_categories = '["subscriber"]'`, "fr-no-data", "data categories"},
		{"no account", `accounts = '[]'`, `accounts = '["joe@mail.example"]'`, "fr-withdrawn", "names no account"},
	}
	signed := f.checkpoint(t)
	f.build(t, signed)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := f.demand(c.demand)
			if err := store.ExecRaw(f.Store, `UPDATE demands SET `+c.set+` WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := store.ExecRaw(f.Store, `UPDATE demands SET `+c.undo+` WHERE id = $1`, id); err != nil {
					t.Fatal(err)
				}
			}()
			_, err := f.reports.BuildReport(context.Background(), f.Auditor, report.BuildOptions{Period: h2, Checkpoint: signed, Verifier: f.key.Verifier})
			var rec *report.ReconcileError
			if !errors.As(err, &rec) {
				t.Fatalf("a corrupted record gave %v, want a reconciliation failure", err)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("demand %d", id)) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("the failure does not name demand %d and %q:\n%v", id, c.want, err)
			}
		})
	}
	// Undone, the records reconcile again.
	f.build(t, signed)
}

func (f *reportFixture) verify(t *testing.T, published []byte) *report.Verification {
	t.Helper()
	v, err := f.reports.VerifyReport(context.Background(), f.Auditor, published, f.key.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// afterPeriod moves the clock past the end of the half-year: only then may
// its report be published.
func (f *reportFixture) afterPeriod() {
	f.Clock.Advance(storetest.BandsAfter.Add(24 * time.Hour).Sub(f.Clock.Now()))
}

func testVerify(t *testing.T, f *reportFixture) {
	ctx := context.Background()
	f.afterPeriod()
	r := f.build(t, f.checkpoint(t))
	published, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.reports.PublishReport(ctx, f.Admin, published); err != nil {
		t.Fatal(err)
	}
	v := f.verify(t, published)
	if len(v.Problems) > 0 || v.Published == nil || v.Demands != 17 {
		t.Fatalf("a fresh report: %d demands, published %v, problems:\n%s", v.Demands, v.Published, strings.Join(v.Problems, "\n"))
	}
	// Later work on the period's demands does not change what the records
	// were at the checkpoint.
	f.Clock.Advance(time.Hour)
	if _, err := f.Store.Transition(ctx, f.Reviewer, f.demand("us-pending-first-instant"), writ.TransitionInput{To: writ.StateClosed, Withdrawn: true, Rationale: "withdrawn"}); err != nil {
		t.Fatal(err)
	}
	gag := writ.Nondisclosure{Basis: "2705(b)", Until: "2026-11-21"}
	if _, err := f.Store.UpdateDemand(ctx, f.Reviewer, f.demand("us-pending-gag"), writ.DemandPatch{Nondisclosure: &gag}); err != nil {
		t.Fatal(err)
	}
	storetest.MakeDemand(t, f.Fixture, storetest.ReportSpec{Name: "late-entry", Agency: f.AgencyDE, Instrument: "foreign_police_request",
		IssuedBy: "police", Categories: []string{"subscriber"}, Accounts: []string{"joe@mail.example"},
		Received: time.Date(2026, 7, 20, 0, 0, 0, 0, time.UTC), Outcome: writ.OutcomeNoData})
	if v := f.verify(t, published); len(v.Problems) > 0 {
		t.Fatalf("later changes broke the report:\n%s", strings.Join(v.Problems, "\n"))
	}

	rejected, noData := f.demand("us-rejected"), f.demand("us-no-data")
	sql := func(query string, args ...any) func() error {
		return func() error { return store.ExecRaw(f.Store, query, args...) }
	}
	both := func(a, b func() error) func() error {
		return func() error { return errors.Join(a(), b()) }
	}
	tamper := []struct {
		name       string
		do, undo   func() error
		wantInside string
	}{
		{"an outcome changed", sql(`UPDATE demands SET outcome = 'no_data' WHERE id = $1`, rejected),
			sql(`UPDATE demands SET outcome = 'rejected' WHERE id = $1`, rejected),
			fmt.Sprintf("demand %d: the outcome is no_data in the records but rejected according to the log", rejected)},
		{"moved out of the period", sql(`UPDATE demands SET received_at = $1 WHERE id = $2`, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), noData),
			sql(`UPDATE demands SET received_at = $1 WHERE id = $2`, f.data.Demands["us-no-data"].ReceivedAt, noData),
			fmt.Sprintf("demand %d: received in 2026-H2 according to the log, but not in the records", noData)},
		{"another country", sql(`UPDATE demands SET authority_country = 'FR' WHERE id = $1`, f.demand("de-non-content")),
			sql(`UPDATE demands SET authority_country = 'DE' WHERE id = $1`, f.demand("de-non-content")),
			"countries[FR].outcomes.non_content_disclosed.demands: 0 ≠ 1"},
		{"another instrument", sql(`UPDATE demands SET instrument = 'us_2703d_order' WHERE id = $1`, noData),
			sql(`UPDATE demands SET instrument = 'us_subpoena' WHERE id = $1`, noData),
			"the instrument is us_2703d_order in the records"},
		// Two demands alike but for their outcomes swap them: every figure
		// stays the same, but each record now contradicts its history.
		{"two outcomes swapped",
			both(sql(`UPDATE demands SET outcome = 'rejected' WHERE id = $1`, noData), sql(`UPDATE demands SET outcome = 'no_data' WHERE id = $1`, rejected)),
			both(sql(`UPDATE demands SET outcome = 'no_data' WHERE id = $1`, noData), sql(`UPDATE demands SET outcome = 'rejected' WHERE id = $1`, rejected)),
			fmt.Sprintf("demand %d: the outcome is rejected in the records", noData)},
		{"an event of the period rewritten",
			sql(`UPDATE events SET data = replace(data, '"rejected"', '"no_data"') WHERE demand_id = $1 AND kind = 'demand.transition'`, rejected),
			sql(`UPDATE events SET data = replace(data, '"no_data"', '"rejected"') WHERE demand_id = $1 AND kind = 'demand.transition'`, rejected),
			"the log does not verify"},
	}
	for _, c := range tamper {
		t.Run(c.name, func(t *testing.T) {
			if err := c.do(); err != nil {
				t.Fatal(err)
			}
			v := f.verify(t, published)
			if err := c.undo(); err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(v.Problems, func(p string) bool { return strings.Contains(p, c.wantInside) }) {
				t.Fatalf("want a problem with %q, got:\n%s", c.wantInside, strings.Join(v.Problems, "\n"))
			}
			if v := f.verify(t, published); len(v.Problems) > 0 {
				t.Fatalf("undone, the report still fails:\n%s", strings.Join(v.Problems, "\n"))
			}
		})
	}
	// A report whose figures were edited after it was built fails too.
	forged := strings.Replace(string(published), `"demands_received": 17`, `"demands_received": 16`, 1)
	if v := f.verify(t, []byte(forged)); len(v.Problems) == 0 {
		t.Fatal("an edited report verified")
	}
}

func testOlderCheckpoint(t *testing.T, f *reportFixture) {
	ctx := context.Background()
	old := f.checkpoint(t)
	first := f.build(t, old)
	f.Clock.Advance(time.Hour)
	if _, err := f.Store.Transition(ctx, f.Reviewer, f.demand("fr-pending"), writ.TransitionInput{To: writ.StateClosed, Withdrawn: true, Rationale: "x"}); err != nil {
		t.Fatal(err)
	}
	storetest.MakeDemand(t, f.Fixture, storetest.ReportSpec{Name: "late-entry", Agency: f.data.AgencyFR, Instrument: "foreign_police_request",
		IssuedBy: "police", Categories: []string{"subscriber"}, Accounts: []string{"joe@mail.example"},
		Received: time.Date(2026, 8, 20, 0, 0, 0, 0, time.UTC), Outcome: writ.OutcomeNoData})
	again, err := f.reports.BuildReport(ctx, f.Auditor, report.BuildOptions{Period: h2, Checkpoint: old, Verifier: f.key.Verifier, AsOf: first.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	if d := report.Diff(first, again); len(d) > 0 {
		t.Fatalf("the same checkpoint gave other figures:\n%s", strings.Join(d, "\n"))
	}
	now := f.build(t, f.checkpoint(t))
	var fr report.CountryFigures
	for _, c := range now.Countries {
		if c.Country == "FR" {
			fr = c
		}
	}
	if fr.Demands != 4 || fr.Outcomes.Pending.Demands != 0 || fr.Outcomes.Withdrawn.Demands != 2 || fr.Outcomes.NoData.Demands != 2 {
		t.Fatalf("at the new checkpoint FR is %+v", fr.Figures)
	}
}

// testManyChangedSince: the demands changed since a checkpoint are read
// back from their events in batches; a report of the checkpoint counts
// every one of them, in the last batch as in the first.
func testManyChangedSince(t *testing.T, f *reportFixture) {
	ctx := context.Background()
	batch := make([]store.ImportedDemand, 640)
	for i := range batch {
		received := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
		batch[i] = store.ImportedDemand{Input: writ.DemandInput{Reference: fmt.Sprintf("MANY-%d", i), AgencyID: f.AgencyUS.ID, Channel: "mail",
			ReceivedAt: &received, Instrument: "us_subpoena", IssuedBy: "other", DataCategories: []string{"subscriber"}, Accounts: []string{"alice@acme.example"}}}
	}
	if _, err := f.Store.ImportDemands(ctx, f.Admin, batch); err != nil {
		t.Fatal(err)
	}
	old := f.checkpoint(t)
	first := f.build(t, old)
	// Setting the customer's key custody assesses each of its open
	// demands again, an event each.
	f.Clock.Advance(time.Hour)
	if _, err := f.Store.SetKeyCustody(ctx, f.Admin, f.USEnterprise.ID, "customer_managed"); err != nil {
		t.Fatal(err)
	}
	var changed int64
	if err := store.QueryRaw(f.Store, `SELECT count(DISTINCT demand_id) FROM events WHERE log_index >= $1`, &changed, first.Checkpoint.TreeSize); err != nil {
		t.Fatal(err)
	}
	if changed <= 500 {
		t.Fatalf("only %d demands changed since the checkpoint: too few to read in several batches", changed)
	}
	again := f.build(t, old)
	if d := report.Diff(first, again); len(d) > 0 {
		t.Fatalf("the same checkpoint gave other figures after %d demands changed:\n%s", changed, strings.Join(d, "\n"))
	}
	if first.Totals.Demands != 17+640 {
		t.Fatalf("%d demands, want %d", first.Totals.Demands, 17+640)
	}
}

func testCanary(t *testing.T, f *reportFixture) {
	ctx := context.Background()
	build := func() *report.Canary {
		t.Helper()
		c, err := f.reports.BuildCanary(ctx, f.Reviewer, report.CanaryOptions{Period: h2, Checkpoint: f.checkpoint(t), Verifier: f.key.Verifier})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	codes := func(c *report.Canary) []string {
		var out []string
		for _, s := range c.Statements {
			out = append(out, s.Code)
		}
		return out
	}
	first := build()
	// The data set has a gag of more than a year (us-pending-gag); the
	// half-year has not ended (the clock is in November 2026), so no band.
	wantFirst := []string{"not-included", "no-foreign-content-demand-outside-agreement", "no-foreign-content-disclosed-outside-agreement",
		"us-national-security-after-half-year"}
	if !slices.Equal(codes(first), wantFirst) {
		t.Fatalf("statements %v, want %v", codes(first), wantFirst)
	}
	if !first.Expires.Equal(time.Date(2027, 8, 1, 0, 0, 0, 0, time.UTC)) || first.Version != 2 {
		t.Errorf("expires %v, version %d", first.Expires, first.Version)
	}
	nsa, err := f.Store.CreateAgency(ctx, writ.System(), store.AgencyInput{Name: "National Security Division", Country: "US",
		Kind: "national_security", Verified: true, Verification: "DOJ registry"})
	if err != nil {
		t.Fatal(err)
	}
	gchq, err := f.Store.CreateAgency(ctx, writ.System(), store.AgencyInput{Name: "Signals Intelligence", Country: "GB",
		Kind: "national_security", Verified: true, Verification: "embassy"})
	if err != nil {
		t.Fatal(err)
	}
	// A national security letter and a foreign national-security
	// authority's order for content change nothing.
	storetest.MakeDemand(t, f.Fixture, storetest.ReportSpec{Name: "nsl", Agency: nsa, Instrument: "us_nsl", IssuedBy: "other",
		Categories: []string{"subscriber"}, Accounts: []string{"joe@mail.example"}, Received: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC),
		Outcome: string(writ.StateReceived)})
	storetest.MakeDemand(t, f.Fixture, storetest.ReportSpec{Name: "foreign-intelligence-content", Agency: gchq, Instrument: "foreign_court_order",
		IssuedBy: "judge", Categories: []string{"content"}, Accounts: []string{"joe@mail.example"}, Received: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC),
		Outcome: writ.OutcomeRejected})
	if got := build(); got.Text()[strings.Index(got.Text(), "statement"):] != first.Text()[strings.Index(first.Text(), "statement"):] {
		t.Fatalf("national-security process changed the canary:\n%s", got.Text())
	}
	storetest.MakeDemand(t, f.Fixture, storetest.ReportSpec{Name: "foreign-content", Agency: f.AgencyDE, Instrument: "foreign_court_order", IssuedBy: "judge",
		Categories: []string{"content"}, Accounts: []string{"joe@mail.example"}, Received: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC),
		Outcome: writ.OutcomeRejected})
	next := build()
	wantNext := []string{"not-included", "no-foreign-content-disclosed-outside-agreement", "us-national-security-after-half-year"}
	if !slices.Equal(codes(next), wantNext) {
		t.Fatalf("after a foreign court order for content: %v, want %v", codes(next), wantNext)
	}
	// Once the half-year has ended, the canary states the band of the
	// rulebook's structure, as the report does.
	f.Clock.Advance(storetest.BandsAfter.Sub(f.Clock.Now()))
	late := build()
	band := late.Statements[len(late.Statements)-1]
	if band.Code != "us-national-security-process-band" ||
		band.Text != "National security letters and FISA orders and directives received in 2026-H2, in bands of 250 (50 U.S.C. 1874(a)(3)): 0-249, targeting 0-249 selectors." {
		t.Fatalf("the band statement: %+v", band)
	}
	signed, err := late.Sign(f.key.Signer)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := report.OpenCanary(signed, f.key.Verifier, f.Clock.Now())
	if err != nil || opened.Text() != late.Text() {
		t.Fatalf("open: %v\n%s", err, signed)
	}
	if _, err := f.reports.PublishCanary(ctx, f.Admin, signed, f.key.Verifier); err != nil {
		t.Fatal(err)
	}
	latest, err := f.Store.LatestPublication(ctx, "canary", "")
	if err != nil || string(latest.Body) != string(signed) {
		t.Fatalf("latest canary: %v", err)
	}
}

func testPublish(t *testing.T, f *reportFixture) {
	ctx := context.Background()
	// A half-year that has not ended gets a preliminary report, which is
	// never published, not even once its period is over.
	early, err := f.reports.BuildReport(ctx, f.Auditor, report.BuildOptions{Period: h2, Checkpoint: f.checkpoint(t), Verifier: f.key.Verifier})
	if err != nil {
		t.Fatal(err)
	}
	preliminary, err := early.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !early.Preliminary || !strings.Contains(string(preliminary), `"preliminary": true`) {
		t.Fatalf("a report of a running half-year is not marked preliminary: %v", early.Preliminary)
	}
	if _, err := f.reports.PublishReport(ctx, f.Admin, preliminary); writ.ErrorCode(err) != writ.ECONFLICT {
		t.Fatalf("a preliminary report was published: %v", err)
	}
	f.afterPeriod()
	if _, err := f.reports.PublishReport(ctx, f.Admin, preliminary); writ.ErrorCode(err) != writ.ECONFLICT {
		t.Fatalf("a report computed before its period ended was published: %v", err)
	}
	r := f.build(t, f.checkpoint(t))
	published, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if r.Preliminary {
		t.Fatal("a report of an ended half-year is marked preliminary")
	}
	if _, err := f.reports.PublishReport(ctx, f.Auditor, published); writ.ErrorCode(err) != writ.EFORBIDDEN {
		t.Fatalf("an auditor published: %v", err)
	}
	p, err := f.reports.PublishReport(ctx, f.Admin, published)
	if err != nil {
		t.Fatal(err)
	}
	if p.SHA256 != report.SHA256(published) || p.Period != "2026-H2" {
		t.Fatalf("publication %+v", p)
	}
	if _, err := f.reports.PublishReport(ctx, f.Admin, published); writ.ErrorCode(err) != writ.ECONFLICT {
		t.Fatalf("published twice: %v", err)
	}
	var data string
	if err := store.QueryRaw(f.Store, `SELECT data FROM events WHERE log_index = $1 AND kind = 'report.published'`, &data, p.LogIndex); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(data, p.SHA256) {
		t.Fatalf("the log's entry %d is %s", p.LogIndex, data)
	}
	list, err := f.Store.Publications(ctx, "report")
	if err != nil || len(list) != 1 || list[0].SHA256 != p.SHA256 {
		t.Fatalf("publications %v, %v", list, err)
	}
	if _, err := f.Store.LatestPublication(ctx, "report", "2026-H1"); writ.ErrorCode(err) != writ.ENOTFOUND {
		t.Fatalf("an unpublished period: %v", err)
	}
	// Nor one of the first schema, which banded every national-security
	// demand, nor verified.
	v1 := strings.Replace(string(published), `"schema": "`+report.Schema+`"`, `"schema": "`+report.SchemaV1+`"`, 1)
	v1 = v1[:strings.Index(v1, `  "national_security"`)] + `  "national_security": {"band_width": 250, "demands_band": "0-249", "accounts_band": "0-249"},
  "reconciliation"` + v1[strings.Index(v1, `: {
    "demands_counted"`):]
	if _, err := report.Parse([]byte(v1)); err != nil {
		t.Fatalf("the v1 report does not parse: %v\n%s", err, v1)
	}
	if _, err := f.reports.PublishReport(ctx, f.Admin, []byte(v1)); writ.ErrorField(err) != "schema" {
		t.Fatalf("a v1 report: %v", err)
	}
	if _, err := f.reports.VerifyReport(ctx, f.Auditor, []byte(v1), f.key.Verifier); writ.ErrorField(err) != "schema" {
		t.Fatalf("verifying a v1 report: %v", err)
	}
	// A report that does not add up is never published.
	bad := strings.Replace(string(published), `"demands_received": 17`, `"demands_received": 18`, 1)
	if _, err := f.reports.PublishReport(ctx, f.Admin, []byte(bad)); err == nil {
		t.Fatal("a report that does not reconcile was published")
	}
	// Published again (a late demand of the period came in), the new
	// report replaces the first, which stays on record, and the log says
	// which replaced which.
	storetest.MakeDemand(t, f.Fixture, storetest.ReportSpec{Name: "late", Agency: f.AgencyUS, Instrument: "us_subpoena", IssuedBy: "other",
		Categories: []string{"subscriber"}, Accounts: []string{"joe@mail.example"}, Received: time.Date(2026, 12, 30, 0, 0, 0, 0, time.UTC),
		Outcome: string(writ.StateReceived)})
	again, err := f.build(t, f.checkpoint(t)).JSON()
	if err != nil {
		t.Fatal(err)
	}
	p2, err := f.reports.PublishReport(ctx, f.Admin, again)
	if err != nil {
		t.Fatal(err)
	}
	if p2.Replaces != p.SHA256 {
		t.Fatalf("the second publication replaces %q, want %s", p2.Replaces, p.SHA256)
	}
	if err := store.QueryRaw(f.Store, `SELECT data FROM events WHERE log_index = $1 AND kind = 'report.published'`, &data, p2.LogIndex); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(data, `"replaces":"`+p.SHA256+`"`) {
		t.Fatalf("the log's entry %d does not name the publication it replaces: %s", p2.LogIndex, data)
	}
	versions, err := f.Store.PublicationVersions(ctx, "report", "2026-H2")
	if err != nil || len(versions) != 2 || versions[0].SHA256 != p2.SHA256 || versions[1].SHA256 != p.SHA256 {
		t.Fatalf("versions %v, %v", versions, err)
	}
	if list, _ = f.Store.Publications(ctx, "report"); len(list) != 1 || list[0].SHA256 != p2.SHA256 {
		t.Fatalf("the latest publication of the period is not the second: %v", list)
	}
}
