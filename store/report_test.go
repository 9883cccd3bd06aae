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
	"writ/store"
	"writ/store/storetest"
)

func TestReportSQLite(t *testing.T)   { testReports(t, storetest.SQLite) }
func TestReportPostgres(t *testing.T) { testReports(t, storetest.Postgres) }

// reportFixture is a store holding the report data set and the log's key.
type reportFixture struct {
	*storetest.Fixture
	data *storetest.ReportData
	key  *auditlog.Key
}

func newReportFixture(t *testing.T, open storetest.Opener) *reportFixture {
	t.Helper()
	f := storetest.NewFixture(t, open)
	key, err := auditlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "log.key"), "writ.test/log")
	if err != nil {
		t.Fatal(err)
	}
	return &reportFixture{Fixture: f, data: storetest.NewReportData(t, f), key: key}
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

func (f *reportFixture) build(t *testing.T, signed []byte) *report.Report {
	t.Helper()
	r, err := f.Store.BuildReport(context.Background(), f.Auditor, store.ReportOptions{Period: h2, Checkpoint: signed, Verifier: f.key.Verifier})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *reportFixture) demand(name string) int64 { return f.data.Demands[name].ID }

func testReports(t *testing.T, open storetest.Opener) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, *reportFixture)
	}{
		{"the figures of a known data set are exact", testExactFigures},
		{"a national-security demand changes no exact figure", testNationalSecurity},
		{"reconciliation fails on a corrupted record", testCorruptedRecords},
		{"verify passes, then fails after any change of a record", testVerify},
		{"a report of an older checkpoint keeps its figures", testOlderCheckpoint},
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
	if r.NationalSecurity.Demands != "0-249" || r.NationalSecurity.Accounts != "0-249" || r.NationalSecurity.BandWidth != 250 {
		t.Errorf("national security %+v", r.NationalSecurity)
	}
	size, _ := f.Store.LogSize(context.Background())
	if r.Checkpoint.TreeSize != size || r.Checkpoint.Note != string(signed) || r.Rulebook != "v1" || r.Period != "2026-H2" {
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
	// An enterprise customer only national-security demands name: counting
	// it would show in the customers affected.
	if _, err := f.Store.CreateCustomer(ctx, writ.System(), store.CustomerInput{Name: "Gamma Ltd", Kind: "enterprise", HomeCountry: "US",
		LegalContact: "legal@gamma.example", KeyCustody: "provider_managed", DataLocations: []writ.DataLocation{{Region: "us-west-2", Country: "US"}},
		Accounts: []string{"gina@gamma.example"}}); err != nil {
		t.Fatal(err)
	}
	at := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 8, 0, 0, 0, time.UTC) }
	for _, s := range []storetest.ReportSpec{
		{Name: "nsl", Agency: nsa, Instrument: "us_nsl", IssuedBy: "other", Categories: []string{"subscriber"},
			Accounts: []string{"joe@mail.example", "jane@mail.example"}, Received: at(time.August, 1), Outcome: writ.OutcomeNonContentDisclosed},
		{Name: "fisa-by-police", Agency: f.AgencyUS, Instrument: "us_fisa_order", IssuedBy: "judge", Categories: []string{"content"},
			Accounts: []string{"gina@gamma.example"}, Received: at(time.August, 2), Outcome: string(writ.StateInReview)},
		{Name: "subpoena-by-nsa", Agency: nsa, Instrument: "us_subpoena", IssuedBy: "other", Categories: []string{"subscriber"},
			Accounts: []string{"gina@gamma.example"}, Received: at(time.August, 3), Outcome: writ.OutcomeRejected},
		{Name: "emergency-gag-by-nsa", Agency: nsa, Instrument: "us_emergency", IssuedBy: "other", Categories: []string{"traffic"},
			Accounts: []string{"alice@acme.example"}, Received: at(time.August, 4), Emergency: true, Gag: "indefinite", Outcome: writ.OutcomeWithdrawn},
		{Name: "foreign-intelligence", Agency: gchq, Instrument: "foreign_police_request", IssuedBy: "police", Categories: []string{"subscriber"},
			Accounts: []string{"ben@beispiel.example"}, Received: at(time.August, 5), Outcome: string(writ.StateReceived)},
	} {
		d := storetest.MakeDemand(t, f.Fixture, s)
		if !slices.Contains(d.Flags, "NATIONAL_SECURITY") {
			t.Fatalf("%s: flags %v", s.Name, d.Flags)
		}
	}
	after := f.build(t, f.checkpoint(t))
	if exact(t, before) != exact(t, after) {
		t.Errorf("national-security demands changed exact figures:\n%s", strings.Join(report.Diff(before, after), "\n"))
	}
	if after.NationalSecurity.Demands != "0-249" || after.NationalSecurity.Accounts != "0-249" {
		t.Errorf("bands %+v", after.NationalSecurity)
	}
	for _, c := range after.Countries {
		if c.Country == "GB" {
			t.Error("a country with only national-security demands is listed")
		}
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
			if err := store.ExecRaw(f.Store, `UPDATE demands SET `+c.set+` WHERE id = ?`, id); err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := store.ExecRaw(f.Store, `UPDATE demands SET `+c.undo+` WHERE id = ?`, id); err != nil {
					t.Fatal(err)
				}
			}()
			_, err := f.Store.BuildReport(context.Background(), f.Auditor, store.ReportOptions{Period: h2, Checkpoint: signed, Verifier: f.key.Verifier})
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

func (f *reportFixture) verify(t *testing.T, published []byte) *store.ReportVerification {
	t.Helper()
	v, err := f.Store.VerifyReport(context.Background(), f.Auditor, published, f.key.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// afterPeriod moves the clock past the end of the half-year: only then may
// its report be published.
func (f *reportFixture) afterPeriod() {
	f.Clock.Advance(h2.End().Add(5 * 24 * time.Hour).Sub(f.Clock.Now()))
}

func testVerify(t *testing.T, f *reportFixture) {
	ctx := context.Background()
	f.afterPeriod()
	r := f.build(t, f.checkpoint(t))
	published, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.PublishReport(ctx, f.Admin, published); err != nil {
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
		{"an outcome changed", sql(`UPDATE demands SET outcome = 'no_data' WHERE id = ?`, rejected),
			sql(`UPDATE demands SET outcome = 'rejected' WHERE id = ?`, rejected),
			fmt.Sprintf("demand %d: the outcome is no_data in the records but rejected according to the log", rejected)},
		{"moved out of the period", sql(`UPDATE demands SET received_at = ? WHERE id = ?`, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), noData),
			sql(`UPDATE demands SET received_at = ? WHERE id = ?`, f.data.Demands["us-no-data"].ReceivedAt, noData),
			fmt.Sprintf("demand %d: received in 2026-H2 according to the log, but not in the records", noData)},
		{"another country", sql(`UPDATE demands SET authority_country = 'FR' WHERE id = ?`, f.demand("de-non-content")),
			sql(`UPDATE demands SET authority_country = 'DE' WHERE id = ?`, f.demand("de-non-content")),
			"countries[FR].outcomes.non_content_disclosed.demands: 0 ≠ 1"},
		{"another instrument", sql(`UPDATE demands SET instrument = 'us_2703d_order' WHERE id = ?`, noData),
			sql(`UPDATE demands SET instrument = 'us_subpoena' WHERE id = ?`, noData),
			"the instrument is us_2703d_order in the records"},
		// Two demands alike but for their outcomes swap them: every figure
		// stays the same, but each record now contradicts its history.
		{"two outcomes swapped",
			both(sql(`UPDATE demands SET outcome = 'rejected' WHERE id = ?`, noData), sql(`UPDATE demands SET outcome = 'no_data' WHERE id = ?`, rejected)),
			both(sql(`UPDATE demands SET outcome = 'no_data' WHERE id = ?`, noData), sql(`UPDATE demands SET outcome = 'rejected' WHERE id = ?`, rejected)),
			fmt.Sprintf("demand %d: the outcome is rejected in the records", noData)},
		{"an event of the period rewritten",
			sql(`UPDATE events SET data = replace(data, '"rejected"', '"no_data"') WHERE demand_id = ? AND kind = 'demand.transition'`, rejected),
			sql(`UPDATE events SET data = replace(data, '"no_data"', '"rejected"') WHERE demand_id = ? AND kind = 'demand.transition'`, rejected),
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
	again, err := f.Store.BuildReport(ctx, f.Auditor, store.ReportOptions{Period: h2, Checkpoint: old, Verifier: f.key.Verifier, AsOf: first.AsOf})
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

func testCanary(t *testing.T, f *reportFixture) {
	ctx := context.Background()
	build := func() *report.Canary {
		t.Helper()
		c, err := f.Store.BuildCanary(ctx, f.Reviewer, store.CanaryOptions{Period: h2, Checkpoint: f.checkpoint(t), Verifier: f.key.Verifier})
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
	// The data set has a gag of more than a year (us-pending-gag) and no
	// national-security demand.
	wantFirst := []string{"no-us-fisa-702-directive", "no-us-fisa-order", "no-us-nsl", "no-national-security-authority",
		"no-foreign-content-demand-outside-agreement", "no-foreign-content-disclosed-outside-agreement"}
	if !slices.Equal(codes(first), wantFirst) {
		t.Fatalf("statements %v, want %v", codes(first), wantFirst)
	}
	if !first.Expires.Equal(time.Date(2027, 8, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("expires %v", first.Expires)
	}
	nsa, err := f.Store.CreateAgency(ctx, writ.System(), store.AgencyInput{Name: "National Security Division", Country: "US",
		Kind: "national_security", Verified: true, Verification: "DOJ registry"})
	if err != nil {
		t.Fatal(err)
	}
	storetest.MakeDemand(t, f.Fixture, storetest.ReportSpec{Name: "nsl", Agency: nsa, Instrument: "us_nsl", IssuedBy: "other",
		Categories: []string{"subscriber"}, Accounts: []string{"joe@mail.example"}, Received: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC),
		Outcome: string(writ.StateReceived)})
	storetest.MakeDemand(t, f.Fixture, storetest.ReportSpec{Name: "foreign-content", Agency: f.AgencyDE, Instrument: "foreign_court_order", IssuedBy: "judge",
		Categories: []string{"content"}, Accounts: []string{"joe@mail.example"}, Received: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC),
		Outcome: writ.OutcomeRejected})
	next := build()
	wantNext := []string{"no-us-fisa-702-directive", "no-us-fisa-order", "no-foreign-content-disclosed-outside-agreement"}
	if !slices.Equal(codes(next), wantNext) {
		t.Fatalf("after a national security letter and a foreign court order for content: %v, want %v", codes(next), wantNext)
	}
	signed, err := next.Sign(f.key.Signer)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := report.OpenCanary(signed, f.key.Verifier, f.Clock.Now())
	if err != nil || opened.Text() != next.Text() {
		t.Fatalf("open: %v\n%s", err, signed)
	}
	if _, err := f.Store.PublishCanary(ctx, f.Admin, signed, f.key.Verifier); err != nil {
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
	early := f.build(t, f.checkpoint(t))
	preliminary, err := early.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !early.Preliminary || !strings.Contains(string(preliminary), `"preliminary": true`) {
		t.Fatalf("a report of a running half-year is not marked preliminary: %v", early.Preliminary)
	}
	if _, err := f.Store.PublishReport(ctx, f.Admin, preliminary); writ.ErrorCode(err) != writ.ECONFLICT {
		t.Fatalf("a preliminary report was published: %v", err)
	}
	f.afterPeriod()
	if _, err := f.Store.PublishReport(ctx, f.Admin, preliminary); writ.ErrorCode(err) != writ.ECONFLICT {
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
	if _, err := f.Store.PublishReport(ctx, f.Auditor, published); writ.ErrorCode(err) != writ.EFORBIDDEN {
		t.Fatalf("an auditor published: %v", err)
	}
	p, err := f.Store.PublishReport(ctx, f.Admin, published)
	if err != nil {
		t.Fatal(err)
	}
	if p.SHA256 != report.SHA256(published) || p.Period != "2026-H2" {
		t.Fatalf("publication %+v", p)
	}
	if _, err := f.Store.PublishReport(ctx, f.Admin, published); writ.ErrorCode(err) != writ.ECONFLICT {
		t.Fatalf("published twice: %v", err)
	}
	var data string
	if err := store.QueryRaw(f.Store, `SELECT data FROM events WHERE log_index = ? AND kind = 'report.published'`, &data, p.LogIndex); err != nil {
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
	// A report that does not add up is never published.
	bad := strings.Replace(string(published), `"demands_received": 17`, `"demands_received": 18`, 1)
	if _, err := f.Store.PublishReport(ctx, f.Admin, []byte(bad)); err == nil {
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
	p2, err := f.Store.PublishReport(ctx, f.Admin, again)
	if err != nil {
		t.Fatal(err)
	}
	if p2.Replaces != p.SHA256 {
		t.Fatalf("the second publication replaces %q, want %s", p2.Replaces, p.SHA256)
	}
	if err := store.QueryRaw(f.Store, `SELECT data FROM events WHERE log_index = ? AND kind = 'report.published'`, &data, p2.LogIndex); err != nil {
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
