package storetest

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"writ"
	"writ/notify"
)

// The tests of this file hold the principles in the store's every path:
// what an agency, a hurried reviewer or the clock can do to them.

// emergency is an emergency request of the US agency for a consumer
// account.
func emergency(reference string) writ.DemandInput {
	in := Warrant("joe@mail.example")
	in.Reference, in.Instrument, in.IssuedBy, in.DataCategories = reference, "us_emergency", "other", []string{"subscriber"}
	in.Emergency = &writ.Emergency{Justification: "a child is missing"}
	return in
}

// deficiencies are the codes of the stored assessment's deficiencies.
func deficiencies(t *testing.T, f *Fixture, id int64) []string {
	t.Helper()
	body, err := f.Store.Assessment(ctx, f.Auditor, id)
	check(t, err)
	var a struct {
		Deficiencies []struct{ Code string } `json:"deficiencies"`
	}
	check(t, json.Unmarshal(body, &a))
	var out []string
	for _, d := range a.Deficiencies {
		out = append(out, d.Code)
	}
	return out
}

func testEmergencyCallback(t *testing.T, f *Fixture) {
	// Whoever submits a demand cannot claim its call-back: not an agency
	// (a forged request from a stolen police mailbox would), and not the
	// legal team at intake either.
	forged := emergency("FORGED-1")
	forged.Emergency.VerifiedByCallback = true
	_, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, forged, "")
	wantCode(t, err, writ.EINVALID, "emergency.verified_by_callback")
	forged.AgencyID, forged.Channel, forged.Requester = f.AgencyUS.ID, "email", "dan@sheriff.example.gov"
	_, _, err = f.Store.CreateDemand(ctx, f.Reviewer, forged, "")
	wantCode(t, err, writ.EINVALID, "emergency.verified_by_callback")

	d := submit(t, f, f.AgencyUserUS, emergency("EM-1"))
	if d.Emergency == nil || d.Emergency.VerifiedByCallback || d.Callback != nil {
		t.Fatalf("a new emergency is verified: %+v %+v", d.Emergency, d.Callback)
	}
	unverified := func() bool { return slices.Contains(deficiencies(t, f, d.ID), "EMERGENCY_UNVERIFIED") }
	if !unverified() {
		t.Fatal("a new emergency lacks EMERGENCY_UNVERIFIED")
	}
	intoReview(t, f, f.Reviewer, d.ID)
	_, err = f.Store.Transition(ctx, f.Approver, d.ID, writ.TransitionInput{To: writ.StateApproved, Rationale: "urgent"})
	wantCode(t, err, writ.ECONFLICT)

	// Nothing an agency user may do makes the deficiency disappear.
	good := writ.CallbackInput{Number: "+1 555 0100", Outcome: writ.CallbackConfirmed}
	_, err = f.Store.RecordCallback(ctx, f.AgencyUserUS, d.ID, good)
	wantCode(t, err, writ.EFORBIDDEN)
	ref := "EM-1 amended"
	_, err = f.Store.UpdateDemand(ctx, f.AgencyUserUS, d.ID, writ.DemandPatch{Reference: &ref})
	check(t, err)
	if !unverified() {
		t.Fatal("an agency's amendment verified its emergency")
	}

	// The legal team records the call, to the registry's number only.
	for _, c := range []struct {
		in    writ.CallbackInput
		field string
	}{
		{writ.CallbackInput{Outcome: writ.CallbackConfirmed}, "number"},
		{writ.CallbackInput{Number: "+1 555 0000", Outcome: writ.CallbackConfirmed}, "number"}, // the number the request gave
		{writ.CallbackInput{Number: "+1 555 0100", Outcome: "probably"}, "outcome"},
	} {
		_, err := f.Store.RecordCallback(ctx, f.Reviewer, d.ID, c.in)
		wantCode(t, err, writ.EINVALID, c.field)
	}
	_, err = f.Store.RecordCallback(ctx, f.Reviewer, d.ID, writ.CallbackInput{Number: "+1 555 0100", Outcome: writ.CallbackNoAnswer})
	check(t, err)
	if !unverified() {
		t.Fatal("an unanswered call verified the emergency")
	}
	f.Clock.Advance(10 * time.Minute)
	c, err := f.Store.RecordCallback(ctx, f.Reviewer, d.ID, writ.CallbackInput{Number: "1 (555) 0100", Outcome: writ.CallbackConfirmed,
		Notes: "the duty sergeant confirmed the request"})
	check(t, err)
	if c.Number != "+1 555 0100" || c.By != "Rhea" || !c.At.Equal(Start.Add(10*time.Minute)) {
		t.Fatalf("call-back record: %+v", c)
	}
	got, err := f.Store.Demand(ctx, f.Reviewer, d.ID)
	check(t, err)
	if !got.Emergency.VerifiedByCallback || got.Callback == nil || got.Callback.By != "Rhea" || unverified() {
		t.Fatalf("a confirmed call-back did not verify the emergency: %+v %+v", got.Emergency, got.Callback)
	}
	// The agency denies it afterwards: the verification is withdrawn.
	_, err = f.Store.RecordCallback(ctx, f.Approver, d.ID, writ.CallbackInput{Number: "+15550100", Outcome: writ.CallbackNotConfirmed,
		Notes: "the sergeant on the next shift knows of no such request"})
	check(t, err)
	if !unverified() {
		t.Fatal("a call in which the agency denied the emergency left it verified")
	}
	_, err = f.Store.Transition(ctx, f.Approver, d.ID, writ.TransitionInput{To: writ.StateApproved, Rationale: "urgent"})
	wantCode(t, err, writ.ECONFLICT)
	_, err = f.Store.RecordCallback(ctx, f.Reviewer, d.ID, good)
	check(t, err)
	move(t, f, f.Approver, d.ID, writ.TransitionInput{To: writ.StateApproved})

	list, err := f.Store.Callbacks(ctx, f.Auditor, d.ID)
	check(t, err)
	var outcomes []string
	for _, c := range list {
		outcomes = append(outcomes, c.Outcome)
	}
	if want := []string{"no_answer", "confirmed", "not_confirmed", "confirmed"}; !slices.Equal(outcomes, want) {
		t.Fatalf("call-backs %v, want %v", outcomes, want)
	}
	_, err = f.Store.Callbacks(ctx, f.AgencyUserUS, d.ID)
	wantCode(t, err, writ.EFORBIDDEN)
	// An agency without a registered number cannot be called back, and a
	// demand without an emergency has nothing to confirm.
	de := emergency("EM-DE")
	de.Instrument, de.IssuedBy = "foreign_police_request", "police"
	other := submit(t, f, f.AgencyUserDE, de)
	_, err = f.Store.RecordCallback(ctx, f.Reviewer, other.ID, good)
	wantCode(t, err, writ.ECONFLICT)
	plain := submit(t, f, f.AgencyUserUS, Warrant("jane@mail.example"))
	_, err = f.Store.RecordCallback(ctx, f.Reviewer, plain.ID, good)
	wantCode(t, err, writ.ECONFLICT)
}

// listAll pages through the demands one at a time in the given order.
func listAll(t *testing.T, f *Fixture, actor writ.Actor, sort string) []int64 {
	t.Helper()
	var out []int64
	cursor := ""
	for range 100 {
		page, err := f.Store.Demands(ctx, actor, writ.DemandFilter{Sort: sort, Limit: 1, Cursor: cursor})
		check(t, err)
		out = append(out, ids(page.Items)...)
		if cursor = page.NextCursor; cursor == "" {
			return out
		}
	}
	t.Fatal("the cursor does not advance")
	return nil
}

func testEmergenciesFirst(t *testing.T, f *Fixture) {
	soon := Start.Add(time.Hour)
	routine := Warrant("joe@mail.example")
	routine.Reference, routine.Due = "ROUTINE", &soon
	r := submit(t, f, f.AgencyUserUS, routine)
	e := submit(t, f, f.AgencyUserUS, emergency("EM-2"))
	later := submit(t, f, f.AgencyUserUS, Warrant("jane@mail.example"))

	e, err := f.Store.Demand(ctx, f.Reviewer, e.ID)
	check(t, err)
	target := Start.Add(4 * time.Hour)
	if e.ResponseTarget == nil || !e.ResponseTarget.Equal(target) || e.NextDeadline == nil || !e.NextDeadline.Equal(target) ||
		e.NextDeadlineCode != writ.DeadlineEmergencyResponse {
		t.Fatalf("the emergency's response target: %v, next deadline %v %s", e.ResponseTarget, e.NextDeadline, e.NextDeadlineCode)
	}
	// First in the default order (newest first) and by deadline, before
	// a demand due sooner; and so page by page. Only sort=newest lists
	// strictly in the order of arrival.
	for _, c := range []struct {
		sort string
		want []int64
	}{{"", []int64{e.ID, later.ID, r.ID}}, {"deadline", []int64{e.ID, r.ID, later.ID}}, {"newest", []int64{later.ID, e.ID, r.ID}}} {
		page, err := f.Store.Demands(ctx, f.Reviewer, writ.DemandFilter{Sort: c.sort})
		check(t, err)
		if got := ids(page.Items); !slices.Equal(got, c.want) {
			t.Fatalf("sort %q lists %v, want %v", c.sort, got, c.want)
		}
		if got := listAll(t, f, f.Reviewer, c.sort); !slices.Equal(got, c.want) {
			t.Fatalf("sort %q page by page lists %v, want %v", c.sort, got, c.want)
		}
	}
	alerts, err := f.Store.Alerts(ctx, f.Reviewer)
	check(t, err)
	if len(alerts.Emergencies) != 1 || alerts.Emergencies[0].ID != e.ID {
		t.Fatalf("alerts list emergencies %v", ids(alerts.Emergencies))
	}
	_, err = f.Store.Alerts(ctx, f.AgencyUserUS)
	wantCode(t, err, writ.EFORBIDDEN)
	// Announced at once.
	jobs, err := f.Store.DemandJobs(ctx, f.Reviewer, e.ID)
	check(t, err)
	if !slices.ContainsFunc(jobs, func(j writ.Job) bool {
		return j.Kind == notify.JobEmergencyAlert && j.State == "available" && j.RunAt.Equal(Start)
	}) {
		t.Fatalf("no emergency alert is queued: %+v", jobs)
	}
	// The target is the legal team's: the agency does not see it.
	seen, err := f.Store.Demand(ctx, f.AgencyUserUS, e.ID)
	check(t, err)
	if seen.ResponseTarget != nil || seen.NextDeadline != nil {
		t.Fatalf("the agency sees the response target: %+v", seen)
	}
	// Once answered (declined here), it no longer comes first.
	intoReview(t, f, f.Reviewer, e.ID)
	move(t, f, f.Reviewer, e.ID, writ.TransitionInput{To: writ.StateRejected})
	if got := listAll(t, f, f.Reviewer, ""); !slices.Equal(got, []int64{later.ID, e.ID, r.ID}) {
		t.Fatalf("after the answer the queue is %v", got)
	}
	if alerts, _ = f.Store.Alerts(ctx, f.Reviewer); len(alerts.Emergencies) != 0 {
		t.Fatalf("an answered emergency is still an alert")
	}
}

func testNoticeMeansDelivered(t *testing.T, f *Fixture) {
	d := disclosable(t, f)
	n, err := f.Store.Notice(ctx, f.Reviewer, d.ID)
	check(t, err)
	if n.State != "scheduled" || n.GivenAt != nil {
		t.Fatalf("moving to noticed marked the notice %s, given %v", n.State, n.GivenAt)
	}
	// However far the clock moves, nothing is disclosed before a delivery.
	for _, later := range []time.Duration{0, 8 * 24 * time.Hour, 400 * 24 * time.Hour} {
		f.Clock.Advance(later)
		err := tryProduce(f, d.ID)
		wantCode(t, err, writ.ECONFLICT)
	}
	// A delivery made another way counts once recorded with its evidence,
	// by the legal team only.
	letter := writ.DeliveryInput{Method: "registered_letter", Evidence: "RR 123 456 789 US, receipt signed by J. Doe"}
	for _, a := range []writ.Actor{f.AgencyUserUS, f.CustomerUserConsumer, f.Auditor} {
		_, err := f.Store.RecordDelivery(ctx, a, d.ID, letter)
		wantCode(t, err, writ.EFORBIDDEN)
	}
	now := f.Clock.Now()
	future, early := now.Add(time.Hour), Start.Add(-time.Hour)
	for _, c := range []struct {
		in    writ.DeliveryInput
		field string
	}{
		{writ.DeliveryInput{Method: "carrier pigeon", Evidence: "x"}, "method"},
		{writ.DeliveryInput{Method: "registered_letter"}, "evidence"},
		{writ.DeliveryInput{Method: "registered_letter", Evidence: "x", DeliveredAt: &future}, "delivered_at"},
		{writ.DeliveryInput{Method: "registered_letter", Evidence: "x", DeliveredAt: &early}, "delivered_at"},
		{writ.DeliveryInput{Method: "registered_letter", Evidence: "x", DocumentSHA256: strings.Repeat("0", 64)}, "document_sha256"},
	} {
		_, err := f.Store.RecordDelivery(ctx, f.Reviewer, d.ID, c.in)
		wantCode(t, err, writ.EINVALID, c.field)
	}
	delivered := now.Add(-2 * 24 * time.Hour)
	letter.DeliveredAt = &delivered
	n, err = f.Store.RecordDelivery(ctx, f.Reviewer, d.ID, letter)
	check(t, err)
	if n.GivenAt == nil || !n.GivenAt.Equal(delivered) || n.GivenVia != "registered_letter" || n.State != "delivered" {
		t.Fatalf("recorded delivery: %+v", n)
	}
	if !slices.ContainsFunc(n.Deliveries, func(x writ.NoticeDelivery) bool {
		return x.Channel == "recorded" && x.Evidence == letter.Evidence && x.RecordedBy == "Rhea"
	}) {
		t.Fatalf("deliveries lack the recorded one: %+v", n.Deliveries)
	}
	_, err = f.Store.RecordDelivery(ctx, f.Reviewer, d.ID, letter)
	wantCode(t, err, writ.ECONFLICT)
	// The objection window runs from the delivery: seven days from then.
	err = tryProduce(f, d.ID)
	wantCode(t, err, writ.ECONFLICT)
	f.Clock.Advance(5*24*time.Hour - time.Minute)
	err = tryProduce(f, d.ID)
	wantCode(t, err, writ.ECONFLICT)
	f.Clock.Advance(time.Minute)
	check(t, tryProduce(f, d.ID))
}

func testUndeliverableNotice(t *testing.T, f *Fixture) {
	d := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	state := func() string {
		t.Helper()
		got, err := f.Store.Demand(ctx, f.Reviewer, d.ID)
		check(t, err)
		return got.NoticeState
	}
	if s := state(); s != "scheduled" {
		t.Fatalf("notice %s, want scheduled", s)
	}
	// A server with no mail server tries and fails: no channel can deliver.
	j := claimNotice(t, f, d.ID)
	record(t, f, j, sentBy(j, d.ID, "no SMTP server configured", false, f.Clock.Now().Add(time.Minute)))
	if s := state(); s != writ.NoticeUndeliverable {
		t.Fatalf("notice %s after a failed try, want undeliverable", s)
	}
	page, err := f.Store.Notices(ctx, f.Reviewer, writ.NoticeFilter{State: writ.NoticeUndeliverable})
	check(t, err)
	if len(page.Items) != 1 || page.Items[0].DemandID != d.ID || !page.Items[0].Undeliverable {
		t.Fatalf("undeliverable notices: %+v", page.Items)
	}
	alerts, err := f.Store.Alerts(ctx, f.Approver)
	check(t, err)
	if alerts.Undeliverable != 1 {
		t.Fatalf("alerts count %d undeliverable notices, want 1", alerts.Undeliverable)
	}
	// A retry arms every channel anew.
	_, err = f.Store.RetryNotice(ctx, f.AgencyUserUS, d.ID)
	wantCode(t, err, writ.EFORBIDDEN)
	n, err := f.Store.RetryNotice(ctx, f.Reviewer, d.ID)
	check(t, err)
	if s := state(); s != "scheduled" || n.Deliveries[0].State != "pending" || n.Deliveries[0].Attempts != 0 || n.Deliveries[0].LastError != "" {
		t.Fatalf("after the retry: notice %s, %+v", s, n.Deliveries)
	}
	// It fails for good; retried again, it goes through.
	j = claimNotice(t, f, d.ID)
	record(t, f, j, sentBy(j, d.ID, "550 mailbox unavailable", true, time.Time{}))
	if n, _ = f.Store.Notice(ctx, f.Reviewer, d.ID); n.State != "failed" || state() != writ.NoticeUndeliverable {
		t.Fatalf("notice %s (%s) after the last try", n.State, state())
	}
	_, err = f.Store.RetryNotice(ctx, f.Reviewer, d.ID)
	check(t, err)
	f.Clock.Advance(3 * 24 * time.Hour)
	accepted := f.Clock.Now()
	j = claimNotice(t, f, d.ID)
	// A retry while the job is being tried is that try, not a conflict.
	if n, err = f.Store.RetryNotice(ctx, f.Reviewer, d.ID); err != nil || n.GivenAt != nil {
		t.Fatalf("a retry while the notice is on its way: %v, %+v", err, n)
	}
	record(t, f, j, sentBy(j, d.ID, "", false, time.Time{}))
	n, err = f.Store.Notice(ctx, f.Reviewer, d.ID)
	check(t, err)
	if n.State != "sent" || n.GivenAt == nil || !n.GivenAt.Equal(accepted) || n.GivenVia != "email" {
		t.Fatalf("after the mail server accepted it: %+v", n)
	}
	_, err = f.Store.RetryNotice(ctx, f.Reviewer, d.ID)
	wantCode(t, err, writ.ECONFLICT)
	// The objection window runs from the moment the server accepted it,
	// not from receipt.
	intoReview(t, f, f.Reviewer, d.ID)
	move(t, f, f.Approver, d.ID, writ.TransitionInput{To: writ.StateApproved})
	move(t, f, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateNoticed})
	f.Clock.Advance(5 * 24 * time.Hour) // receipt + 8 days, acceptance + 5
	err = tryProduce(f, d.ID)
	wantCode(t, err, writ.ECONFLICT)
	f.Clock.Advance(2 * 24 * time.Hour)
	check(t, tryProduce(f, d.ID))
}

func testGagEndsWithACheck(t *testing.T, f *Fixture) {
	in := Warrant("joe@mail.example")
	in.Nondisclosure = &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)", Until: "2026-12-01"}
	d := submit(t, f, f.AgencyUserUS, in)
	noticeJobs := func() []*rivertype.JobRow {
		t.Helper()
		return claimJobs(t, f, notify.JobNoticeEmail, notify.JobNoticeWebhook)
	}
	state := func() string {
		t.Helper()
		got, err := f.Store.Demand(ctx, f.Reviewer, d.ID)
		check(t, err)
		return got.NoticeState
	}
	hidden := func() {
		t.Helper()
		_, err := f.Store.Demand(ctx, f.CustomerUserConsumer, d.ID)
		wantCode(t, err, writ.ENOTFOUND)
	}
	n, err := f.Store.Notice(ctx, f.Reviewer, d.ID)
	check(t, err)
	if n.State != "delayed" || n.ReviewAt == nil || !n.ReviewAt.Equal(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("delayed notice: %+v", n)
	}
	noEnd := writ.NondisclosureReview{Checked: "called the clerk of the issuing court: no extension on the docket"}
	// The order's last day has passed, but not yet everywhere in the US.
	f.Clock.Advance(time.Date(2026, 12, 2, 11, 59, 0, 0, time.UTC).Sub(Start))
	_, err = f.Store.ReviewNondisclosure(ctx, f.Reviewer, d.ID, noEnd)
	wantCode(t, err, writ.ECONFLICT)
	if s := state(); s != "delayed" {
		t.Fatalf("notice %s before the review time", s)
	}
	// From noon UTC the day after, the notice waits for a person: nothing
	// leaves by itself, and the customer still sees nothing.
	f.Clock.Advance(time.Minute)
	if s := state(); s != writ.NoticeReviewDue {
		t.Fatalf("notice %s once the order ended, want review_due", s)
	}
	f.Clock.Advance(30 * 24 * time.Hour)
	if jobs := noticeJobs(); len(jobs) != 0 {
		t.Fatalf("a notice job is due though nobody confirmed the order ended: %+v", jobs)
	}
	hidden()
	page, err := f.Store.Notices(ctx, f.Reviewer, writ.NoticeFilter{State: writ.NoticeReviewDue})
	check(t, err)
	alerts, err := f.Store.Alerts(ctx, f.Reviewer)
	check(t, err)
	if len(page.Items) != 1 || alerts.ReviewsDue != 1 {
		t.Fatalf("%d notices and %d alerts wait for review, want 1", len(page.Items), alerts.ReviewsDue)
	}
	// Only the legal team checks, and says how.
	_, err = f.Store.ReviewNondisclosure(ctx, f.AgencyUserUS, d.ID, noEnd)
	wantCode(t, err, writ.EFORBIDDEN)
	_, err = f.Store.ReviewNondisclosure(ctx, f.CustomerUserConsumer, d.ID, noEnd)
	wantCode(t, err, writ.ENOTFOUND)
	_, err = f.Store.ReviewNondisclosure(ctx, f.Reviewer, d.ID, writ.NondisclosureReview{})
	wantCode(t, err, writ.EINVALID, "checked")
	// An extension was served: recorded, it moves the date.
	_, err = f.Store.ReviewNondisclosure(ctx, f.Reviewer, d.ID, writ.NondisclosureReview{ExtensionServed: true, Until: "2026-11-30", Checked: "docket"})
	wantCode(t, err, writ.EINVALID, "until")
	got, err := f.Store.ReviewNondisclosure(ctx, f.Reviewer, d.ID, writ.NondisclosureReview{ExtensionServed: true, Until: "2027-03-01",
		Checked: "the docket shows an extension served on the provider"})
	check(t, err)
	if got.Nondisclosure == nil || got.Nondisclosure.Until != "2027-03-01" || got.NoticeState != "delayed" {
		t.Fatalf("after the extension: %+v, notice %s", got.Nondisclosure, got.NoticeState)
	}
	f.Clock.Advance(time.Date(2027, 3, 2, 12, 0, 0, 0, time.UTC).Sub(f.Clock.Now()))
	if s := state(); s != writ.NoticeReviewDue {
		t.Fatalf("notice %s once the extension ended", s)
	}
	hidden()
	// No extension this time: the notice goes at once, and the customer
	// sees the demand.
	got, err = f.Store.ReviewNondisclosure(ctx, f.Approver, d.ID, noEnd)
	check(t, err)
	n, err = f.Store.Notice(ctx, f.Reviewer, d.ID)
	check(t, err)
	if n.State != "scheduled" || n.ReleasedUntil != "2027-03-01" || got.NoticeState != "scheduled" {
		t.Fatalf("released notice: %+v", n)
	}
	if jobs := noticeJobs(); len(jobs) != 1 || demandOf(t, jobs[0]) != d.ID {
		t.Fatalf("released notice's jobs: %+v", jobs)
	}
	if _, err := f.Store.Demand(ctx, f.CustomerUserConsumer, d.ID); err != nil {
		t.Fatalf("the customer does not see the released demand: %v", err)
	}
	deadlines, err := f.Store.DemandDeadlines(ctx, f.Reviewer, d.ID)
	check(t, err)
	for _, dl := range deadlines {
		if dl.Code == "NOTICE" && dl.Status != writ.DeadlineMet {
			t.Fatalf("NOTICE is %s once the notice was released", dl.Status)
		}
	}
	// A later change to the demand does not gag it again.
	ref := "amended"
	_, err = f.Store.UpdateDemand(ctx, f.Reviewer, d.ID, writ.DemandPatch{Reference: &ref})
	check(t, err)
	if s := state(); s != "scheduled" {
		t.Fatalf("notice %s after an amendment", s)
	}
	events, err := f.Store.DemandEvents(ctx, f.Auditor, d.ID, "", 200)
	check(t, err)
	var kinds []string
	for _, e := range events.Items {
		kinds = append(kinds, e.Kind)
	}
	if !slices.Contains(kinds, "nondisclosure.extended") || !slices.Contains(kinds, "nondisclosure.ended") {
		t.Fatalf("events %v lack the reviews", kinds)
	}
}

func testNationalSecuritySecrecy(t *testing.T, f *Fixture) {
	// A Section 702 directive about the enterprise tenant, whatever route
	// the rulebook gives it.
	d := submit(t, f, f.NationalSecurityAgent(t), writ.DemandInput{Instrument: "us_fisa_702_directive", IssuedBy: "other",
		DataCategories: []string{"content"}, Accounts: []string{"anna@beispiel.example"}})
	_, err := f.Store.AddDocumentTo(ctx, f.Reviewer, d.ID, writ.AudienceAll, "directive.pdf", []byte("%PDF-1.7 directive"))
	check(t, err)
	ent := f.CustomerUserEnterprise
	_, err = f.Store.Demand(ctx, ent, d.ID)
	wantCode(t, err, writ.ENOTFOUND)
	_, err = f.Store.Documents(ctx, ent, d.ID)
	wantCode(t, err, writ.ENOTFOUND)
	if page, _ := f.Store.Demands(ctx, ent, writ.DemandFilter{}); len(page.Items) != 0 {
		t.Fatalf("the customer lists %v", ids(page.Items))
	}
	intoReview(t, f, f.Reviewer, d.ID)
	_, err = f.Store.Transition(ctx, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateRedirected, Rationale: "customer first"})
	wantCode(t, err, writ.ECONFLICT)
	_, err = f.Store.RecordDelivery(ctx, f.Reviewer, d.ID, writ.DeliveryInput{Method: "phone", Evidence: "told the customer's counsel"})
	wantCode(t, err, writ.ECONFLICT)
	_, err = f.Store.RetryNotice(ctx, f.Reviewer, d.ID)
	wantCode(t, err, writ.ECONFLICT)
	jobs, err := f.Store.DemandJobs(ctx, f.Reviewer, d.ID)
	check(t, err)
	for _, j := range jobs {
		switch j.Kind {
		case notify.JobNoticeEmail, notify.JobNoticeWebhook, notify.JobRedirectLetter, notify.JobAuthorityNotice:
			if j.State != "cancelled" {
				t.Fatalf("a %s job is %s for a national-security demand", j.Kind, j.State)
			}
		}
	}
}

func testCustomerSeesFromSendTime(t *testing.T, f *Fixture) {
	// A demand dated in the future is refused: nothing would be due.
	in := Warrant("joe@mail.example")
	future := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	in.AgencyID, in.Channel, in.ReceivedAt = f.AgencyUS.ID, "mail", &future
	_, _, err := f.Store.CreateDemand(ctx, f.Reviewer, in, "")
	wantCode(t, err, writ.EINVALID, "received_at")
	// The customer sees a demand from its notice's send time on.
	d := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	f.Clock.Advance(-time.Second)
	_, err = f.Store.Demand(ctx, f.CustomerUserConsumer, d.ID)
	wantCode(t, err, writ.ENOTFOUND)
	if page, _ := f.Store.Demands(ctx, f.CustomerUserConsumer, writ.DemandFilter{}); len(page.Items) != 0 {
		t.Fatalf("listed before its send time: %v", ids(page.Items))
	}
	f.Clock.Advance(time.Second)
	if _, err := f.Store.Demand(ctx, f.CustomerUserConsumer, d.ID); err != nil {
		t.Fatalf("not visible at its send time: %v", err)
	}
	// The parts of a request split between tenants: a customer sees its
	// own part, never the ids of the others'.
	split := submit(t, f, f.AgencyUserUS, Warrant("anna@beispiel.example", "jane@mail.example"))
	part := split.Linked[0]
	seen, err := f.Store.Demand(ctx, f.CustomerUserConsumer, part)
	check(t, err)
	body, err := json.Marshal(seen)
	check(t, err)
	var fields struct {
		GroupID int64   `json:"group_id"`
		Linked  []int64 `json:"linked_ids"`
	}
	check(t, json.Unmarshal(body, &fields))
	if fields.GroupID != part || len(fields.Linked) != 0 {
		t.Fatalf("the customer's part names group %d and parts %v (the other tenant's is %d)", fields.GroupID, fields.Linked, split.ID)
	}
}

func testNoAccountOracle(t *testing.T, f *Fixture) {
	// An agency submitting for an account the provider does not hold is
	// answered as for any other: taken in, with nothing to tell it apart.
	d := submit(t, f, f.AgencyUserUS, Warrant("nobody@nowhere.example"))
	held := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	for _, x := range []writ.Demand{d, held} {
		body, err := json.Marshal(x)
		check(t, err)
		if !strings.Contains(string(body), `"customer_id":null`) {
			t.Fatalf("the agency learns a customer: %s", body)
		}
	}
	legal, err := f.Store.Demand(ctx, f.Reviewer, d.ID)
	check(t, err)
	if legal.CustomerID != 0 || legal.Route != "no_data" || legal.NoticeState != "none" {
		t.Fatalf("a demand for no held account: customer %d, route %s, notice %s", legal.CustomerID, legal.Route, legal.NoticeState)
	}
	// Named beside a held account it goes with that account's part, so
	// that the parts do not tell it apart either: a request naming an
	// unheld and a held account is one demand, as one naming two unheld
	// accounts is.
	mixed := submit(t, f, f.AgencyUserUS, Warrant("ghost@nowhere.example", "jane@mail.example"))
	pair := submit(t, f, f.AgencyUserUS, Warrant("ghost@nowhere.example", "nobody@nowhere.example"))
	for _, x := range []writ.Demand{mixed, pair} {
		if len(x.Linked) != 0 || len(x.Accounts) != 2 || x.CustomerID != 0 {
			t.Fatalf("the agency sees %+v", x)
		}
	}
	legalMixed, err := f.Store.Demand(ctx, f.Reviewer, mixed.ID)
	check(t, err)
	if legalMixed.CustomerID != f.Consumer.ID || !slices.Equal(legalMixed.Accounts, []string{"ghost@nowhere.example", "jane@mail.example"}) {
		t.Fatalf("the legal team sees %+v", legalMixed)
	}
	// The customer is shown, and told of, its own account only.
	own, err := f.Store.Demand(ctx, f.CustomerUserConsumer, mixed.ID)
	check(t, err)
	page, err := f.Store.Demands(ctx, f.CustomerUserConsumer, writ.DemandFilter{})
	check(t, err)
	i := slices.IndexFunc(page.Items, func(x writ.Demand) bool { return x.ID == mixed.ID })
	if !slices.Equal(own.Accounts, []string{"jane@mail.example"}) || i < 0 || !slices.Equal(page.Items[i].Accounts, own.Accounts) {
		t.Fatalf("the customer sees %v and lists %+v", own.Accounts, page.Items)
	}
	claimNotice(t, f, mixed.ID)
	c, err := f.Store.JobCase(ctx, mixed.ID)
	check(t, err)
	if !slices.Equal(c.OwnAccounts, own.Accounts) || c.Customer.ID != f.Consumer.ID {
		t.Fatalf("the notice's job reads accounts %v of customer %d", c.OwnAccounts, c.Customer.ID)
	}
	// The legal team answers it: no data, closed, counted.
	intoReview(t, f, f.Reviewer, d.ID)
	move(t, f, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateNoData})
	closed := move(t, f, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateClosed})
	if closed.Outcome != writ.OutcomeNoData {
		t.Fatalf("outcome %q", closed.Outcome)
	}
	for _, c := range []writ.Actor{f.CustomerUserConsumer, f.CustomerUserEnterprise} {
		_, err := f.Store.Demand(ctx, c, d.ID)
		wantCode(t, err, writ.ENOTFOUND)
	}
}

func names(docs []writ.Document) []string {
	var out []string
	for _, d := range docs {
		out = append(out, d.Name)
	}
	slices.Sort(out)
	return out
}

func testDocumentAudience(t *testing.T, f *Fixture) {
	d := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	add := func(actor writ.Actor, audience, name string) writ.Document {
		t.Helper()
		doc, err := f.Store.AddDocumentTo(ctx, actor, d.ID, audience, name, []byte("%PDF-1.7 "+name))
		check(t, err)
		return doc
	}
	warrant := add(f.AgencyUserUS, "", "warrant.pdf")
	memo := add(f.Reviewer, "", "memo.pdf")
	add(f.Reviewer, writ.AudienceAll, "order.pdf")
	add(f.Reviewer, writ.AudienceCustomer, "for-customer.pdf")
	if warrant.Audience != writ.AudienceAgency || memo.Audience != writ.AudienceLegal {
		t.Fatalf("default audiences: agency upload %s, legal upload %s", warrant.Audience, memo.Audience)
	}
	for _, c := range []struct {
		actor    writ.Actor
		audience string
	}{{f.AgencyUserUS, writ.AudienceCustomer}, {f.AgencyUserUS, writ.AudienceLegal}, {f.Reviewer, "public"}} {
		_, err := f.Store.AddDocumentTo(ctx, c.actor, d.ID, c.audience, "x.pdf", []byte("%PDF-1.7 x"))
		wantCode(t, err, writ.EINVALID, "audience")
	}
	for _, c := range []struct {
		actor writ.Actor
		want  []string
	}{
		{f.AgencyUserUS, []string{"order.pdf", "warrant.pdf"}},
		{f.CustomerUserConsumer, []string{"for-customer.pdf", "order.pdf"}},
		{f.Auditor, []string{"for-customer.pdf", "memo.pdf", "order.pdf", "warrant.pdf"}},
		{f.Reviewer, []string{"for-customer.pdf", "memo.pdf", "order.pdf", "warrant.pdf"}},
	} {
		docs, err := f.Store.Documents(ctx, c.actor, d.ID)
		check(t, err)
		if got := names(docs); !slices.Equal(got, c.want) {
			t.Fatalf("%s lists %v, want %v", c.actor.Name, got, c.want)
		}
	}
	for _, c := range []struct {
		actor writ.Actor
		doc   writ.Document
	}{{f.AgencyUserUS, memo}, {f.CustomerUserConsumer, memo}, {f.CustomerUserConsumer, warrant}} {
		_, _, err := f.Store.DocumentContent(ctx, c.actor, d.ID, c.doc.SHA256)
		wantCode(t, err, writ.ENOTFOUND)
	}
	// The legal team shares the warrant with the customer.
	_, err := f.Store.SetDocumentAudience(ctx, f.AgencyUserUS, d.ID, warrant.SHA256, writ.AudienceAll)
	wantCode(t, err, writ.EFORBIDDEN)
	_, err = f.Store.SetDocumentAudience(ctx, f.Reviewer, d.ID, warrant.SHA256, "everyone")
	wantCode(t, err, writ.EINVALID, "audience")
	shared, err := f.Store.SetDocumentAudience(ctx, f.Reviewer, d.ID, warrant.SHA256, writ.AudienceAll)
	check(t, err)
	if shared.Audience != writ.AudienceAll {
		t.Fatalf("audience %s", shared.Audience)
	}
	if _, content, err := f.Store.DocumentContent(ctx, f.CustomerUserConsumer, d.ID, warrant.SHA256); err != nil || string(content) != "%PDF-1.7 warrant.pdf" {
		t.Fatalf("the customer cannot open the shared warrant: %v", err)
	}
	// writ's letters are for the legal team and their recipient.
	j := claimNotice(t, f, d.ID)
	sent := sentBy(j, d.ID, "", false, time.Time{})
	sent.Letters = []writ.Letter{{Name: "notice-letter-v1.txt", ContentType: writ.LetterText, Content: []byte("Notice"), Audience: writ.AudienceCustomer}}
	record(t, f, j, sent)
	customerDocs, err := f.Store.Documents(ctx, f.CustomerUserConsumer, d.ID)
	check(t, err)
	agencyDocs, err := f.Store.Documents(ctx, f.AgencyUserUS, d.ID)
	check(t, err)
	if !slices.Contains(names(customerDocs), "notice-letter-v1.txt") || slices.Contains(names(agencyDocs), "notice-letter-v1.txt") {
		t.Fatalf("the notice letter: customer sees %v, agency %v", names(customerDocs), names(agencyDocs))
	}
}

func testDeadlineStatuses(t *testing.T, f *Fixture) {
	status := func(id int64) map[string]string {
		t.Helper()
		list, err := f.Store.DemandDeadlines(ctx, f.Reviewer, id)
		check(t, err)
		out := map[string]string{}
		for _, dl := range list {
			out[dl.Code] = dl.Status
		}
		return out
	}
	due := Start.Add(10 * 24 * time.Hour)
	in := Warrant("joe@mail.example")
	in.Due = &due
	d := submit(t, f, f.AgencyUserUS, in)
	d, err := f.Store.Demand(ctx, f.Reviewer, d.ID)
	check(t, err)
	// The earliest disclosure (seven days) is a "not before" date: never
	// the next deadline, never overdue.
	if got := status(d.ID); got["RESPOND"] != writ.DeadlineOpen || got["EARLIEST_DISCLOSURE"] != writ.DeadlineNotBefore {
		t.Fatalf("statuses %v", got)
	}
	if d.NextDeadline == nil || !d.NextDeadline.Equal(due) || d.NextDeadlineCode != "RESPOND" {
		t.Fatalf("next deadline %v %s, want RESPOND at %v", d.NextDeadline, d.NextDeadlineCode, due)
	}
	f.Clock.Advance(8 * 24 * time.Hour)
	if alerts, _ := f.Store.Alerts(ctx, f.Reviewer); alerts.Overdue != 0 {
		t.Fatalf("%d overdue once the earliest disclosure passed, want 0", alerts.Overdue)
	}
	f.Clock.Advance(3 * 24 * time.Hour)
	if alerts, _ := f.Store.Alerts(ctx, f.Reviewer); alerts.Overdue != 1 {
		t.Fatalf("%d overdue once RESPOND passed, want 1", alerts.Overdue)
	}
	// Answered, RESPOND is met; closed, nothing is owed.
	intoReview(t, f, f.Reviewer, d.ID)
	answered := move(t, f, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateRejected})
	if got := status(d.ID); got["RESPOND"] != writ.DeadlineMet || answered.NextDeadline != nil {
		t.Fatalf("after the answer: %v, next %v", got, answered.NextDeadline)
	}
	if alerts, _ := f.Store.Alerts(ctx, f.Reviewer); alerts.Overdue != 0 {
		t.Fatalf("%d overdue after the answer", alerts.Overdue)
	}
	calendar, err := f.Store.Deadlines(ctx, f.Reviewer, Start, Start.Add(30*24*time.Hour))
	check(t, err)
	for _, e := range calendar {
		if e.DemandID == d.ID && e.Code == "RESPOND" {
			t.Fatal("the calendar lists a met deadline")
		}
	}
	// Withdrawn, its answer deadline is moot.
	w := submit(t, f, f.AgencyUserUS, in)
	closed := move(t, f, f.AgencyUserUS, w.ID, writ.TransitionInput{To: writ.StateClosed, Withdrawn: true})
	if got := status(w.ID); got["RESPOND"] != writ.DeadlineMoot || closed.NextDeadline != nil {
		t.Fatalf("after withdrawal: %v", got)
	}
}
