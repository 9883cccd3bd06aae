package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/store"
)

// ReportData is a data set for transparency reports whose figures are
// known: seventeen demands received in 2026-H2 from authorities of the US,
// DE and FR, every outcome among them, and one received just before the
// period. Every demand is taken in and moved through the store's own
// service methods, as the legal team would.
type ReportData struct {
	// AgencyFR is a French police authority, added to the fixture's.
	AgencyFR writ.Agency
	// Demands by name: "us-content-1", "de-rejected", …
	Demands map[string]writ.Demand
}

// ReportSpec is one demand of a report data set: who sent it, what it
// asks, when it arrived and how it ends ("" to leave it open, or the state
// to leave it in: "received", "verifying", "in_review").
type ReportSpec struct {
	Name       string
	Agency     writ.Agency
	Instrument string
	IssuedBy   string
	Categories []string
	Accounts   []string
	Received   time.Time
	Emergency  bool
	Gag        string // a non-disclosure order's end date; "indefinite"; "" for none
	Exception  string // a customer-first exception
	Outcome    string // one of the six, or an open state
}

// NewReportData fills the fixture with the report data set.
//
// Known figures for 2026-H2 (national-security demands: none):
//
//	country  demands accounts content non-content no-data rejected redirected withdrawn pending emergency(data) enterprise(data) delayed
//	US       10      11       3       1           1       1        1          1         2       1 (1)           1 (1)            1
//	DE        4       4       1       1           0       1        1          0         0       0 (0)           1 (0)            1
//	FR        3       4       0       0           1       0        0          1         1       0 (0)           0 (0)            0
func NewReportData(t *testing.T, f *Fixture) *ReportData {
	t.Helper()
	return NewReportDataOf(t, f, 2026)
}

// NewReportDataOf fills the fixture with the report data set moved to the
// second half of another year, with the same figures.
func NewReportDataOf(t *testing.T, f *Fixture, year int) *ReportData {
	t.Helper()
	// day is a time of the year at noon UTC.
	day := func(month time.Month, d int) time.Time { return time.Date(year, month, d, 12, 0, 0, 0, time.UTC) }
	fr, err := f.Store.CreateAgency(context.Background(), writ.System(), store.AgencyInput{Name: "Police nationale", Country: "FR",
		Kind: "law_enforcement", Domains: []string{"police.example.fr"}, Verified: true, Verification: "ministry registry"})
	if err != nil {
		t.Fatal(err)
	}
	d := &ReportData{AgencyFR: fr, Demands: map[string]writ.Demand{}}
	us, de := f.AgencyUS, f.AgencyDE
	warrant := func(name string, month time.Month, dd int, outcome string, accounts ...string) ReportSpec {
		return ReportSpec{Name: name, Agency: us, Instrument: "us_search_warrant", IssuedBy: "judge", Categories: []string{"content"},
			Accounts: accounts, Received: day(month, dd), Outcome: outcome}
	}
	subpoena := func(name string, month time.Month, dd int, outcome string, accounts ...string) ReportSpec {
		return ReportSpec{Name: name, Agency: us, Instrument: "us_subpoena", IssuedBy: "other", Categories: []string{"subscriber"},
			Accounts: accounts, Received: day(month, dd), Outcome: outcome}
	}
	police := func(name string, ag writ.Agency, month time.Month, dd int, outcome string, accounts ...string) ReportSpec {
		return ReportSpec{Name: name, Agency: ag, Instrument: "foreign_police_request", IssuedBy: "police", Categories: []string{"subscriber"},
			Accounts: accounts, Received: day(month, dd), Outcome: outcome}
	}
	specs := []ReportSpec{
		warrant("us-content-1", time.July, 3, writ.OutcomeContentDisclosed, "joe@mail.example"),
		warrant("us-content-2", time.July, 9, writ.OutcomeContentDisclosed, "joe@mail.example", "jane@mail.example"),
		{Name: "us-emergency", Agency: us, Instrument: "us_emergency", IssuedBy: "other", Categories: []string{"subscriber"},
			Accounts: []string{"joe@mail.example"}, Received: day(time.July, 15), Emergency: true, Outcome: writ.OutcomeNonContentDisclosed},
		subpoena("us-no-data", time.August, 2, writ.OutcomeNoData, "jane@mail.example"),
		subpoena("us-rejected", time.August, 5, writ.OutcomeRejected, "joe@mail.example"),
		warrant("us-redirected", time.August, 11, writ.OutcomeRedirected, "alice@acme.example"),
		subpoena("us-withdrawn", time.August, 20, writ.OutcomeWithdrawn, "joe@mail.example"),
		{Name: "us-pending-gag", Agency: us, Instrument: "us_2703d_order", IssuedBy: "judge", Categories: []string{"traffic"},
			Accounts: []string{"jane@mail.example"}, Received: day(time.September, 1), Gag: fmt.Sprintf("%d-12-31", year+1), Outcome: string(writ.StateInReview)},
		subpoena("us-pending-first-instant", time.July, 1, string(writ.StateReceived), "joe@mail.example"),
		{Name: "us-enterprise-content", Agency: us, Instrument: "us_search_warrant", IssuedBy: "judge", Categories: []string{"content"},
			Accounts: []string{"alice@acme.example"}, Received: day(time.September, 14), Exception: "customer_unavailable", Outcome: writ.OutcomeContentDisclosed},
		police("de-non-content", de, time.September, 2, writ.OutcomeNonContentDisclosed, "joe@mail.example"),
		police("de-redirected", de, time.September, 3, writ.OutcomeRedirected, "anna@beispiel.example"),
		police("de-rejected", de, time.September, 4, writ.OutcomeRejected, "ben@beispiel.example"),
		{Name: "de-mlat-gag", Agency: de, Instrument: "mlat", IssuedBy: "judge", Categories: []string{"content"},
			Accounts: []string{"jane@mail.example"}, Received: day(time.October, 1), Gag: fmt.Sprintf("%d-03-31", year+1), Outcome: writ.OutcomeContentDisclosed},
		police("fr-withdrawn", fr, time.October, 5, writ.OutcomeWithdrawn, "joe@mail.example"),
		police("fr-no-data", fr, time.October, 6, writ.OutcomeNoData, "joe@mail.example", "jane@mail.example"),
		police("fr-pending", fr, time.October, 7, string(writ.StateVerifying), "jane@mail.example"),
		subpoena("us-before-the-period", time.June, 30, writ.OutcomeWithdrawn, "joe@mail.example"),
	}
	specs[8].Received = time.Date(year, 7, 1, 0, 0, 0, 0, time.UTC)
	specs[len(specs)-1].Received = time.Date(year, 6, 30, 23, 59, 59, 999999000, time.UTC)
	for _, s := range specs {
		d.Demands[s.Name] = MakeDemand(t, f, s)
	}
	return d
}

// MakeDemand records a demand received by mail and takes it, through the
// store's service methods, to the spec's outcome or open state.
func MakeDemand(t *testing.T, f *Fixture, s ReportSpec) writ.Demand {
	t.Helper()
	ctx := context.Background()
	received := s.Received
	in := writ.DemandInput{Reference: strings.ToUpper(s.Name), AgencyID: s.Agency.ID, Channel: "mail", ReceivedAt: &received,
		Instrument: s.Instrument, IssuedBy: s.IssuedBy, DataCategories: s.Categories, Accounts: s.Accounts, CustomerFirstException: s.Exception}
	if s.Emergency {
		in.Emergency = &writ.Emergency{Justification: "a threat to life"}
	}
	switch s.Gag {
	case "":
	case "indefinite":
		in.Nondisclosure = &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)"}
	default:
		in.Nondisclosure = &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)", Until: s.Gag}
	}
	d, _, err := f.Store.CreateDemand(ctx, f.Reviewer, in, "")
	if err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	if s.Emergency {
		if _, err := f.Store.RecordCallback(ctx, f.Reviewer, d.ID, writ.CallbackInput{Number: s.Agency.Phone, Outcome: writ.CallbackConfirmed}); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
	}
	move := func(actor writ.Actor, in writ.TransitionInput) {
		t.Helper()
		if in.Rationale == "" {
			in.Rationale = "as the data set needs"
		}
		if d, err = f.Store.Transition(ctx, actor, d.ID, in); err != nil {
			t.Fatalf("%s: to %s: %v", s.Name, in.To, err)
		}
	}
	review := func() {
		t.Helper()
		move(f.Reviewer, writ.TransitionInput{To: writ.StateVerifying})
		move(f.Reviewer, writ.TransitionInput{To: writ.StateInReview})
	}
	switch s.Outcome {
	case string(writ.StateReceived):
	case string(writ.StateVerifying):
		move(f.Reviewer, writ.TransitionInput{To: writ.StateVerifying})
	case string(writ.StateInReview):
		review()
	case writ.OutcomeWithdrawn:
		move(f.Reviewer, writ.TransitionInput{To: writ.StateClosed, Withdrawn: true})
	case writ.OutcomeRejected, writ.OutcomeRedirected, writ.OutcomeNoData:
		review()
		move(f.Reviewer, writ.TransitionInput{To: writ.State(s.Outcome)})
		move(f.Reviewer, writ.TransitionInput{To: writ.StateClosed})
	case writ.OutcomeContentDisclosed, writ.OutcomeNonContentDisclosed:
		yes := true
		if _, err := f.Store.UpdateDemand(ctx, f.Reviewer, d.ID, writ.DemandPatch{RequesterVerified: &yes}); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		review()
		move(f.Approver, writ.TransitionInput{To: writ.StateApproved})
		if s.Gag == "" && !s.Emergency && s.Agency.Kind != "national_security" &&
			s.Instrument != "us_nsl" && s.Instrument != "us_fisa_order" && s.Instrument != "us_fisa_702_directive" {
			move(f.Reviewer, writ.TransitionInput{To: writ.StateNoticed})
			// The notice reached the customer the day the demand came.
			if _, err := f.Store.RecordDelivery(ctx, f.Reviewer, d.ID, writ.DeliveryInput{Method: "registered_letter",
				Evidence: "receipt signed", DeliveredAt: &received}); err != nil {
				t.Fatalf("%s: %v", s.Name, err)
			}
		}
		// The package gives the disclosure's counts: its accounts, and ten
		// records.
		f.Deliver(t, d.ID, writ.ProductionInput{Scope: writ.ProductionScope{Accounts: s.Accounts, Categories: s.Categories},
			Files: []writ.ProductionUpload{{Name: s.Name + ".csv", Content: []byte(s.Name + "\n")}}, Records: 10, Rationale: "as the data set needs"})
		move(f.Reviewer, writ.TransitionInput{To: writ.StateClosed})
		if d.Outcome != s.Outcome {
			t.Fatalf("%s closed as %s, not %s", s.Name, d.Outcome, s.Outcome)
		}
	default:
		t.Fatalf("%s: no way to %q", s.Name, s.Outcome)
	}
	return d
}
