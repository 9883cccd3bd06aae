package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"writ"
	"writ/store"
)

// Run runs the whole suite against the stores open makes.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, *Fixture)
	}{
		{"IntakeSplitsDemandsByCustomer", testIntakeSplits},
		{"IntakeRejectsUnknownAccountsAndBadCodes", testIntakeValidation},
		{"IdempotencyKeyNeverMakesASecondDemand", testIdempotency},
		{"ConcurrentSubmissionsAreAllStoredOnce", testConcurrentIntake},
		{"AgencySeesOnlyItsOwnDemands", testAgencyIsolation},
		{"CustomerSeesOnlyItsTenantsNoticedDemands", testCustomerIsolation},
		{"TransitionsOutsideTheLifeOfADemandAreRefused", testIllegalTransitions},
		{"ApproverMustNotBeTheReviewer", testFourEyes},
		{"UnverifiedRequesterNeverReachesDisclosed", testUnverifiedRequester},
		{"FlaggedRequesterCannotBeVerifiedOrApproved", testFlaggedRequester},
		{"EmergencyNeedsACallBackToTheRegisteredNumber", testEmergencyCallback},
		{"EmergenciesComeFirstWithTheirResponseTarget", testEmergenciesFirst},
		{"NoticeCountsOnlyOnceDelivered", testNoticeMeansDelivered},
		{"UndeliverableNoticesShowAndCanBeRetried", testUndeliverableNotice},
		{"JobsAreArmedOncePerSubject", testJobsOncePerSubject},
		{"GagEndsWithAPersonsCheck", testGagEndsWithACheck},
		{"NationalSecurityProcessIsNeverRedirectedOrShown", testNationalSecuritySecrecy},
		{"CustomerSeesADemandFromItsNoticesSendTime", testCustomerSeesFromSendTime},
		{"DemandsForUnknownAccountsAreAnsweredNotRefused", testNoAccountOracle},
		{"DocumentsHaveAnAudience", testDocumentAudience},
		{"DeadlinesAreOpenMetMootOrNotBefore", testDeadlineStatuses},
		{"FullLifeEndsWithExactlyOneOutcome", testFullLife},
		{"EveryWayOfClosingGivesItsOutcome", testClosingOutcomes},
		{"StoredAssessmentFollowsTheDemand", testAssessmentFollowsDemand},
		{"ListsPageWithCursorsAndFilters", testPaging},
		{"DocumentsAreSniffedAndConfined", testDocuments},
		{"EveryChangeIsAnEvent", testEvents},
		{"RegistryValidationNamesTheField", testRegistryValidation},
		{"AgencyRepliesToARejection", testAgencyReply},
		{"DeadlinesForTheCalendar", testDeadlines},
		{"HomeCountsEachViewAsTheQueueListsIt", testHomeViews},
		{"InternalNotesAreTheLegalTeamsOwn", testInternalNotes},
		{"SavedFiltersAreEachUsersOwn", testSavedFilters},
		{"SearchFindsEveryWordOfADemand", testSearch},
		{"ProductionBeyondTheApprovalIsRefused", testProductionScope},
		{"ProductionMakesTheDisclosureChecks", testProductionNeedsTheDisclosureChecks},
		{"ProductionIsDownloadedWithinItsLimit", testProductionDelivery},
		{"ProductionExpires", testProductionExpires},
		{"CertificateIsSignedBeforeAvailability", testCertificateBeforeAvailability},
		{"NonUSProductionNeedsNoCertificate", testNonUSProductionNeedsNoCertificate},
		{"TypedCountsDoNotDisclose", testTypedCountsDoNotDisclose},
		{"AgencySeesTheReasonsOfTheAnswer", testReasons},
		{"PreviewIsNoAccountOracle", testPreviewIsNoOracle},
		{"CategoriesAreOnlyNarrowed", testCategoriesOnlyNarrow},
		{"DataLocationsChangeAndReassess", testDataLocationsChange},
		{"MessagesKeepToTheirThreads", testMessages},
		{"CustomerThreadWaitsForTheNotice", testMessagesWaitForTheNotice},
		{"CustomerUploadsItsOwnDocuments", testCustomerUploads},
	}
	// Each case has a store of its own, and on PostgreSQL a database of
	// its own: they run two at a time (go test's -parallel), the one
	// waiting on its database while the other works.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, NewFixture(t, open))
		})
	}
}

var ctx = context.Background()

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantCode fails unless err carries the given code (and field, if given).
func wantCode(t *testing.T, err error, code string, field ...string) {
	t.Helper()
	if got := writ.ErrorCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %s", err, got, code)
	}
	if len(field) > 0 && writ.ErrorField(err) != field[0] {
		t.Fatalf("error %v names field %q, want %q", err, writ.ErrorField(err), field[0])
	}
}

func submit(t *testing.T, f *Fixture, actor writ.Actor, in writ.DemandInput) writ.Demand {
	t.Helper()
	d, _, err := f.Store.CreateDemand(ctx, actor, in, "")
	check(t, err)
	return d
}

func move(t *testing.T, f *Fixture, actor writ.Actor, id int64, in writ.TransitionInput) writ.Demand {
	t.Helper()
	if in.Rationale == "" {
		in.Rationale = "because"
	}
	d, err := f.Store.Transition(ctx, actor, id, in)
	check(t, err)
	if d.State != in.To {
		t.Fatalf("demand %d is %s, want %s", id, d.State, in.To)
	}
	return d
}

// intoReview takes a demand through verification into review by reviewer.
func intoReview(t *testing.T, f *Fixture, reviewer writ.Actor, id int64) {
	t.Helper()
	move(t, f, reviewer, id, writ.TransitionInput{To: writ.StateVerifying})
	move(t, f, reviewer, id, writ.TransitionInput{To: writ.StateInReview})
}

func testIntakeSplits(t *testing.T, f *Fixture) {
	d := submit(t, f, f.AgencyUserUS, Warrant("anna@beispiel.example", "joe@mail.example", "ben@beispiel.example"))
	d, err := f.Store.Demand(ctx, f.Reviewer, d.ID)
	check(t, err)
	if d.CustomerID != f.Enterprise.ID || !slices.Equal(d.Accounts, []string{"anna@beispiel.example", "ben@beispiel.example"}) {
		t.Fatalf("first part: customer %d accounts %v", d.CustomerID, d.Accounts)
	}
	if len(d.Linked) != 1 {
		t.Fatalf("linked = %v, want one other part", d.Linked)
	}
	other, err := f.Store.Demand(ctx, f.Reviewer, d.Linked[0])
	check(t, err)
	if other.CustomerID != f.Consumer.ID || !slices.Equal(other.Accounts, []string{"joe@mail.example"}) {
		t.Fatalf("second part: customer %d accounts %v", other.CustomerID, other.Accounts)
	}
	if other.GroupID != d.GroupID || d.GroupID != d.ID || !slices.Equal(other.Linked, []int64{d.ID}) {
		t.Fatalf("parts not linked: group %d/%d, linked %v", d.GroupID, other.GroupID, other.Linked)
	}
	if d.AgencyID != f.AgencyUS.ID || d.Channel != "api" || d.State != writ.StateReceived || !d.RequesterVerified {
		t.Fatalf("intake facts wrong: %+v", d)
	}
	if !d.ReceivedAt.Equal(Start) {
		t.Fatalf("received_at = %v, want the clock's %v", d.ReceivedAt, Start)
	}
}

func testIntakeValidation(t *testing.T, f *Fixture) {
	cases := []struct {
		name  string
		edit  func(*writ.DemandInput)
		field string
	}{
		{"no accounts", func(in *writ.DemandInput) { in.Accounts = nil }, "accounts"},
		{"unknown instrument", func(in *writ.DemandInput) { in.Instrument = "us_letter" }, "instrument"},
		{"unknown issuer", func(in *writ.DemandInput) { in.IssuedBy = "sheriff" }, "issued_by"},
		{"unknown category", func(in *writ.DemandInput) { in.DataCategories = []string{"content", "photos"} }, "data_categories[1]"},
		{"repeated category", func(in *writ.DemandInput) { in.DataCategories = []string{"content", "content"} }, "data_categories[1]"},
		{"bad residence", func(in *writ.DemandInput) { in.SubjectResidence = "XX" }, "subject_residence"},
		{"bad order end", func(in *writ.DemandInput) {
			in.Nondisclosure = &writ.Nondisclosure{Basis: "2705(b)", Until: "30/06/2027"}
		}, "nondisclosure.until"},
		{"order without basis", func(in *writ.DemandInput) { in.Nondisclosure = &writ.Nondisclosure{Until: "2027-06-30"} }, "nondisclosure.basis"},
		{"emergency without reason", func(in *writ.DemandInput) { in.Emergency = &writ.Emergency{} }, "emergency.justification"},
		{"bad date range", func(in *writ.DemandInput) { in.DateRange = &writ.DateRange{From: "2026-02-01", To: "2026-01-01"} }, "date_range.to"},
		{"unknown exception", func(in *writ.DemandInput) { in.CustomerFirstException = "because" }, "customer_first_exception"},
		{"backdated by an agency", func(in *writ.DemandInput) { at := Start.Add(-time.Hour); in.ReceivedAt = &at }, "received_at"},
		{"another agency's demand", func(in *writ.DemandInput) { in.AgencyID = f.AgencyDE.ID }, "agency_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := Warrant("anna@beispiel.example")
			c.edit(&in)
			_, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, in, "")
			wantCode(t, err, writ.EINVALID, c.field)
		})
	}
	page, err := f.Store.Demands(ctx, f.Reviewer, writ.DemandFilter{})
	check(t, err)
	if len(page.Items) != 0 {
		t.Fatalf("a refused submission left %d demands behind", len(page.Items))
	}
	for _, role := range []writ.Actor{f.CustomerUserEnterprise, f.Auditor} {
		_, _, err := f.Store.CreateDemand(ctx, role, Warrant("anna@beispiel.example"), "")
		wantCode(t, err, writ.EFORBIDDEN)
	}
}

func testIdempotency(t *testing.T, f *Fixture) {
	in := Warrant("anna@beispiel.example", "joe@mail.example")
	first, replayed, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, in, "key-1")
	check(t, err)
	if replayed {
		t.Fatal("first submission reported as replayed")
	}
	again, replayed, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, Warrant("anna@beispiel.example", "joe@mail.example"), "key-1")
	check(t, err)
	if !replayed || again.ID != first.ID {
		t.Fatalf("retry made demand %d (replayed %v), want %d", again.ID, replayed, first.ID)
	}
	other := Warrant("ben@beispiel.example")
	_, _, err = f.Store.CreateDemand(ctx, f.AgencyUserUS, other, "key-1")
	wantCode(t, err, writ.EKEYREUSED)
	if writ.ErrorField(err) != "Idempotency-Key" {
		t.Fatalf("a reused key names %q, not the Idempotency-Key", writ.ErrorField(err))
	}
	// Keys are per user: another agency's identical key is its own.
	de := writ.DemandInput{Instrument: "eu_epoc", IssuedBy: "judge", DataCategories: []string{"subscriber"}, Accounts: []string{"anna@beispiel.example"}}
	_, replayed, err = f.Store.CreateDemand(ctx, f.AgencyUserDE, de, "key-1")
	check(t, err)
	if replayed {
		t.Fatal("another user's key was replayed")
	}
	page, err := f.Store.Demands(ctx, f.Reviewer, writ.DemandFilter{})
	check(t, err)
	if len(page.Items) != 3 { // two parts of the first, one of the second
		t.Fatalf("%d demands stored, want 3", len(page.Items))
	}
	// Within 24 hours the key is kept (and not pruned); after them it is
	// free again, and pruning forgets it.
	f.Clock.Advance(store.DefaultIdempotencyTTL - time.Minute)
	if n, err := f.Store.PruneIdempotencyKeys(ctx); err != nil || n != 0 {
		t.Fatalf("pruning before the keys' lifetime ended forgot %d keys (%v)", n, err)
	}
	_, _, err = f.Store.CreateDemand(ctx, f.AgencyUserUS, other, "key-1")
	wantCode(t, err, writ.EKEYREUSED)
	f.Clock.Advance(2 * time.Minute)
	later, replayed, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, other, "key-1")
	check(t, err)
	if replayed || later.ID == first.ID {
		t.Fatalf("an expired key was replayed: demand %d (replayed %v)", later.ID, replayed)
	}
	if n, err := f.Store.PruneIdempotencyKeys(ctx); err != nil || n != 1 { // the DE agency's, of the same age
		t.Fatalf("pruning after the keys' lifetime forgot %d keys (%v), want 1", n, err)
	}
}

func testConcurrentIntake(t *testing.T, f *Fixture) {
	const workers, each = 6, 5
	var wg sync.WaitGroup
	ids := make(chan int64, workers*each*2)
	errs := make(chan error, workers*each*2)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				// Every submission is sent twice with the same key, as a
				// client retrying after a lost answer would.
				key := fmt.Sprintf("w%d-%d", w, i)
				for range 2 {
					in := Warrant("joe@mail.example")
					in.Reference = key
					d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, in, key)
					if err != nil {
						errs <- err
						return
					}
					ids <- d.ID
				}
			}
		}()
	}
	wg.Wait()
	close(ids)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	distinct := map[int64]bool{}
	for id := range ids {
		distinct[id] = true
	}
	page, err := f.Store.Demands(ctx, f.Reviewer, writ.DemandFilter{Limit: 500})
	check(t, err)
	if len(distinct) != workers*each || len(page.Items) != workers*each {
		t.Fatalf("%d distinct answers and %d stored demands, want %d", len(distinct), len(page.Items), workers*each)
	}
}

func testAgencyIsolation(t *testing.T, f *Fixture) {
	us := submit(t, f, f.AgencyUserUS, Warrant("anna@beispiel.example"))
	de := submit(t, f, f.AgencyUserDE, writ.DemandInput{Instrument: "eu_epoc", IssuedBy: "judge", DataCategories: []string{"subscriber"}, Accounts: []string{"joe@mail.example"}})
	_, err := f.Store.AddDocument(ctx, f.AgencyUserUS, us.ID, "warrant.pdf", []byte("%PDF-1.7 warrant"))
	check(t, err)

	// Read, list, update, documents: the other agency's demand does not exist for it.
	_, err = f.Store.Demand(ctx, f.AgencyUserDE, us.ID)
	wantCode(t, err, writ.ENOTFOUND)
	page, err := f.Store.Demands(ctx, f.AgencyUserDE, writ.DemandFilter{})
	check(t, err)
	if len(page.Items) != 1 || page.Items[0].ID != de.ID {
		t.Fatalf("agency DE lists %v, want only its demand %d", ids(page.Items), de.ID)
	}
	page, err = f.Store.Demands(ctx, f.AgencyUserDE, writ.DemandFilter{AgencyID: f.AgencyUS.ID})
	check(t, err)
	if len(page.Items) != 0 {
		t.Fatalf("filtering by another agency revealed %v", ids(page.Items))
	}
	ref := "changed"
	_, err = f.Store.UpdateDemand(ctx, f.AgencyUserDE, us.ID, writ.DemandPatch{Reference: &ref})
	wantCode(t, err, writ.ENOTFOUND)
	_, err = f.Store.Documents(ctx, f.AgencyUserDE, us.ID)
	wantCode(t, err, writ.ENOTFOUND)
	docs, err := f.Store.Documents(ctx, f.AgencyUserUS, us.ID)
	check(t, err)
	_, _, err = f.Store.DocumentContent(ctx, f.AgencyUserDE, us.ID, docs[0].SHA256)
	wantCode(t, err, writ.ENOTFOUND)
	_, err = f.Store.AddDocument(ctx, f.AgencyUserDE, us.ID, "x.pdf", []byte("%PDF-1.4"))
	wantCode(t, err, writ.ENOTFOUND)
	_, err = f.Store.Transition(ctx, f.AgencyUserDE, us.ID, writ.TransitionInput{To: writ.StateClosed, Withdrawn: true, Rationale: "x"})
	wantCode(t, err, writ.ENOTFOUND)
	_, err = f.Store.Assessment(ctx, f.AgencyUserDE, us.ID)
	wantCode(t, err, writ.ENOTFOUND)

	// Its own demand it may amend, but not the legal team's fields.
	d, err := f.Store.UpdateDemand(ctx, f.AgencyUserUS, us.ID, writ.DemandPatch{Reference: &ref})
	check(t, err)
	if d.Reference != "changed" {
		t.Fatalf("reference = %q", d.Reference)
	}
	yes := true
	_, err = f.Store.UpdateDemand(ctx, f.AgencyUserUS, us.ID, writ.DemandPatch{RequesterVerified: &yes})
	wantCode(t, err, writ.EFORBIDDEN)
	_, err = f.Store.Assessment(ctx, f.AgencyUserUS, us.ID)
	wantCode(t, err, writ.EFORBIDDEN)
	_, err = f.Store.DemandEvents(ctx, f.AgencyUserUS, us.ID, "", 0)
	wantCode(t, err, writ.EFORBIDDEN)
	_, err = f.Store.Agency(ctx, f.AgencyUserUS, f.AgencyDE.ID)
	wantCode(t, err, writ.ENOTFOUND)
	_, err = f.Store.Customers(ctx, f.AgencyUserUS, writ.CustomerFilter{})
	wantCode(t, err, writ.EFORBIDDEN)
	// Withdrawal is the one move an agency makes.
	d, err = f.Store.Transition(ctx, f.AgencyUserUS, us.ID, writ.TransitionInput{To: writ.StateClosed, Withdrawn: true, Rationale: "case closed"})
	check(t, err)
	if d.Outcome != writ.OutcomeWithdrawn {
		t.Fatalf("outcome = %q", d.Outcome)
	}
}

func ids(ds []writ.Demand) []int64 {
	var out []int64
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

func testCustomerIsolation(t *testing.T, f *Fixture) {
	// A warrant for an enterprise's data is redirected to it: notice is due at once.
	open := submit(t, f, f.AgencyUserUS, Warrant("anna@beispiel.example"))
	// The same under a non-disclosure order: the customer must not learn of it.
	gagged := Warrant("ben@beispiel.example")
	gagged.Nondisclosure = &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)", Until: "2027-05-20"}
	secret := submit(t, f, f.AgencyUserUS, gagged)
	consumer := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	_, err := f.Store.AddDocumentTo(ctx, f.AgencyUserUS, open.ID, writ.AudienceAll, "w.pdf", []byte("%PDF-1.7 open"))
	check(t, err)

	ent := f.CustomerUserEnterprise
	page, err := f.Store.Demands(ctx, ent, writ.DemandFilter{})
	check(t, err)
	if got := ids(page.Items); !slices.Equal(got, []int64{open.ID}) {
		t.Fatalf("enterprise lists %v, want only %d", got, open.ID)
	}
	for _, id := range []int64{secret.ID, consumer.ID} {
		_, err = f.Store.Demand(ctx, ent, id)
		wantCode(t, err, writ.ENOTFOUND)
		_, err = f.Store.Documents(ctx, ent, id)
		wantCode(t, err, writ.ENOTFOUND)
	}
	docs, err := f.Store.Documents(ctx, ent, open.ID)
	check(t, err)
	_, _, err = f.Store.DocumentContent(ctx, f.CustomerUserConsumer, open.ID, docs[0].SHA256)
	wantCode(t, err, writ.ENOTFOUND)
	_, content, err := f.Store.DocumentContent(ctx, ent, open.ID, docs[0].SHA256)
	check(t, err)
	if string(content) != "%PDF-1.7 open" {
		t.Fatalf("content = %q", content)
	}
	ref := "x"
	_, err = f.Store.UpdateDemand(ctx, ent, open.ID, writ.DemandPatch{Reference: &ref})
	wantCode(t, err, writ.EFORBIDDEN)
	_, err = f.Store.UpdateDemand(ctx, ent, secret.ID, writ.DemandPatch{Reference: &ref})
	wantCode(t, err, writ.ENOTFOUND)
	_, err = f.Store.Customer(ctx, ent, f.Consumer.ID)
	wantCode(t, err, writ.ENOTFOUND)
	c, err := f.Store.Customer(ctx, ent, f.Enterprise.ID)
	check(t, err)
	if len(c.DataLocations) != 2 {
		t.Fatalf("own tenant's data locations: %v", c.DataLocations)
	}
	_, err = f.Store.Agencies(ctx, ent, writ.AgencyFilter{})
	wantCode(t, err, writ.EFORBIDDEN)
	// What the customer sees of its demand leaves out the legal team's
	// analysis and the agency's people.
	seen, err := f.Store.Demand(ctx, ent, open.ID)
	check(t, err)
	if seen.Route != "" || len(seen.Flags) != 0 || seen.Requester != "" || seen.ReviewerID != nil || seen.NextDeadline != nil {
		t.Fatalf("customer sees internal fields: %+v", seen)
	}
	full, err := f.Store.Demand(ctx, f.Auditor, open.ID)
	check(t, err)
	if full.Route != "redirect_to_customer" || full.Requester == "" {
		t.Fatalf("auditor's view lacks fields: %+v", full)
	}
	// An order arriving before notice went out hides the demand again.
	_, err = f.Store.UpdateDemand(ctx, f.AgencyUserUS, open.ID, writ.DemandPatch{Nondisclosure: &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)"}})
	check(t, err)
	_, err = f.Store.Demand(ctx, ent, open.ID)
	wantCode(t, err, writ.ENOTFOUND)
	// The consumer's own demand is not yet visible to anyone but the legal team
	// until notice, which for it comes before disclosure, at receipt.
	page, err = f.Store.Demands(ctx, f.CustomerUserConsumer, writ.DemandFilter{})
	check(t, err)
	if got := ids(page.Items); !slices.Equal(got, []int64{consumer.ID}) {
		t.Fatalf("consumer tenant lists %v, want %v", got, []int64{consumer.ID})
	}
}

func testIllegalTransitions(t *testing.T, f *Fixture) {
	d := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	for _, to := range writ.States() {
		if to == writ.StateVerifying || to == writ.StateClosed {
			continue
		}
		_, err := f.Store.Transition(ctx, f.Admin, d.ID, writ.TransitionInput{To: to, Rationale: "skip ahead"})
		wantCode(t, err, writ.ECONFLICT)
	}
	_, err := f.Store.Transition(ctx, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateClosed, Rationale: "just close it"})
	wantCode(t, err, writ.ECONFLICT)
	_, err = f.Store.Transition(ctx, f.Reviewer, d.ID, writ.TransitionInput{To: "archived", Rationale: "x"})
	wantCode(t, err, writ.EINVALID, "to")
	_, err = f.Store.Transition(ctx, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateVerifying})
	wantCode(t, err, writ.EINVALID, "rationale")
	got, err := f.Store.Demand(ctx, f.Reviewer, d.ID)
	check(t, err)
	if got.State != writ.StateReceived || got.Version != d.Version {
		t.Fatalf("refused moves changed the demand: state %s version %d", got.State, got.Version)
	}
	// Roles: auditors and customers move nothing; agencies only withdraw.
	_, err = f.Store.Transition(ctx, f.Auditor, d.ID, writ.TransitionInput{To: writ.StateVerifying, Rationale: "x"})
	wantCode(t, err, writ.EFORBIDDEN)
	_, err = f.Store.Transition(ctx, f.AgencyUserUS, d.ID, writ.TransitionInput{To: writ.StateVerifying, Rationale: "x"})
	wantCode(t, err, writ.EFORBIDDEN)
}

func testFourEyes(t *testing.T, f *Fixture) {
	d := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	intoReview(t, f, f.Approver, d.ID) // an approver who reviews ...
	_, err := f.Store.Transition(ctx, f.Approver, d.ID, writ.TransitionInput{To: writ.StateApproved, Rationale: "looks fine"})
	wantCode(t, err, writ.EFORBIDDEN) // ... may not approve
	_, err = f.Store.Transition(ctx, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateApproved, Rationale: "looks fine"})
	wantCode(t, err, writ.EFORBIDDEN) // nor may a reviewer
	got := move(t, f, f.Approver2, d.ID, writ.TransitionInput{To: writ.StateApproved, Rationale: "second pair of eyes"})
	if got.ReviewerID == nil || *got.ReviewerID != f.Approver.UserID {
		t.Fatalf("reviewer_id = %v, want %d", got.ReviewerID, f.Approver.UserID)
	}
}

func testUnverifiedRequester(t *testing.T, f *Fixture) {
	// A demand by e-mail from an agency nobody verified.
	in := Warrant("joe@mail.example")
	in.AgencyID, in.Channel, in.Requester = f.AgencyUnverified.ID, "email", "chief@unknown-police.example"
	d := submit(t, f, f.Reviewer, in)
	if d.RequesterVerified {
		t.Fatal("an e-mailed demand starts verified")
	}
	yes := true
	_, err := f.Store.UpdateDemand(ctx, f.Reviewer, d.ID, writ.DemandPatch{RequesterVerified: &yes})
	check(t, err)
	intoReview(t, f, f.Reviewer, d.ID)
	_, err = f.Store.Transition(ctx, f.Approver, d.ID, writ.TransitionInput{To: writ.StateApproved, Rationale: "urgent"})
	wantCode(t, err, writ.ECONFLICT) // UNVERIFIED_REQUESTER makes it insufficient
	body, err := f.Store.Assessment(ctx, f.Reviewer, d.ID)
	check(t, err)
	var a struct {
		Deficiencies []struct{ Code string } `json:"deficiencies"`
		Route        string                  `json:"route"`
	}
	check(t, json.Unmarshal(body, &a))
	if a.Route != "reject" || len(a.Deficiencies) != 1 || a.Deficiencies[0].Code != "UNVERIFIED_REQUESTER" {
		t.Fatalf("assessment: %s", body)
	}
}

func testFlaggedRequester(t *testing.T, f *Fixture) {
	for _, c := range []struct{ requester, check string }{
		{"deputy@sheriff-example.gov.com", "LOOKALIKE_DOMAIN"},
		{"deputy@sherifff.example.gov", "LOOKALIKE_DOMAIN"},
		{"sheriff.dan@gmail.com", "UNREGISTERED_DOMAIN"},
		{"kim@lka.example.de", "OTHER_AGENCY_DOMAIN"},
	} {
		t.Run(c.check+" "+c.requester, func(t *testing.T) {
			in := Warrant("joe@mail.example")
			in.AgencyID, in.Channel, in.Requester = f.AgencyUS.ID, "email", c.requester
			d := submit(t, f, f.Reviewer, in)
			if d.RequesterCheck != c.check || d.RequesterVerified {
				t.Fatalf("requester check %q (verified %v), want %s", d.RequesterCheck, d.RequesterVerified, c.check)
			}
			yes := true
			_, err := f.Store.UpdateDemand(ctx, f.Reviewer, d.ID, writ.DemandPatch{RequesterVerified: &yes})
			wantCode(t, err, writ.ECONFLICT)
			intoReview(t, f, f.Reviewer, d.ID)
			_, err = f.Store.Transition(ctx, f.Approver, d.ID, writ.TransitionInput{To: writ.StateApproved, Rationale: "urgent"})
			wantCode(t, err, writ.ECONFLICT)
		})
	}
	// The agency's own domain passes.
	in := Warrant("joe@mail.example")
	in.AgencyID, in.Channel, in.Requester = f.AgencyUS.ID, "email", "Deputy Dan <dan@sheriff.example.gov>"
	if d := submit(t, f, f.Reviewer, in); d.RequesterCheck != "" {
		t.Fatalf("registered domain flagged %q", d.RequesterCheck)
	}
}

// disclosable runs a consumer warrant to noticed, ready for disclosure.
func disclosable(t *testing.T, f *Fixture) writ.Demand {
	d := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	intoReview(t, f, f.Reviewer, d.ID)
	move(t, f, f.Approver, d.ID, writ.TransitionInput{To: writ.StateApproved})
	return move(t, f, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateNoticed})
}

func testFullLife(t *testing.T, f *Fixture) {
	d := disclosable(t, f)
	_, err := f.Store.RecordDelivery(ctx, f.Reviewer, d.ID, writ.DeliveryInput{Method: "phone", Evidence: "read the notice to the account holder"})
	check(t, err)
	err = tryProduce(f, d.ID)
	wantCode(t, err, writ.ECONFLICT) // the 7-day objection window runs
	f.Clock.Advance(7 * 24 * time.Hour)
	bad := pkg("mail")
	bad.Scope.Categories = []string{"traffic"}
	_, err = f.Store.Produce(ctx, f.Reviewer, d.ID, bad)
	wantCode(t, err, writ.EINVALID, "scope.categories")
	check(t, tryProduce(f, d.ID))
	closed := move(t, f, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateClosed})
	if closed.Outcome != writ.OutcomeContentDisclosed {
		t.Fatalf("outcome = %q, want content_disclosed", closed.Outcome)
	}
	if closed.NextDeadline != nil {
		t.Fatalf("a closed demand keeps a next deadline: %v", closed.NextDeadline)
	}
	for _, to := range writ.States() {
		_, err := f.Store.Transition(ctx, f.Admin, d.ID, writ.TransitionInput{To: to, Rationale: "reopen", Withdrawn: to == writ.StateClosed})
		wantCode(t, err, writ.ECONFLICT)
	}
}

func testClosingOutcomes(t *testing.T, f *Fixture) {
	cases := []struct {
		via     writ.State
		extra   writ.TransitionInput
		outcome string
	}{
		{writ.StateRedirected, writ.TransitionInput{}, writ.OutcomeRedirected},
		{writ.StateRejected, writ.TransitionInput{}, writ.OutcomeRejected},
		{writ.StateNoData, writ.TransitionInput{}, writ.OutcomeNoData},
		{writ.StateChallenged, writ.TransitionInput{ChallengeOutcome: "won"}, writ.OutcomeRejected},
	}
	for _, c := range cases {
		t.Run(string(c.via), func(t *testing.T) {
			d := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
			intoReview(t, f, f.Reviewer, d.ID)
			in := writ.TransitionInput{To: c.via}
			if c.via == writ.StateChallenged {
				in.Challenge = &writ.ChallengeInput{Grounds: "overbroad", Forum: "issuing court"}
				_, err := f.Store.Transition(ctx, f.Reviewer, d.ID, writ.TransitionInput{To: c.via, Rationale: "x"})
				wantCode(t, err, writ.EINVALID, "challenge.grounds")
			}
			move(t, f, f.Reviewer, d.ID, in)
			closing := c.extra
			closing.To = writ.StateClosed
			got := move(t, f, f.Reviewer, d.ID, closing)
			if got.Outcome != c.outcome {
				t.Fatalf("outcome = %q, want %q", got.Outcome, c.outcome)
			}
		})
	}
	t.Run("challenge lost", func(t *testing.T) {
		d := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
		intoReview(t, f, f.Reviewer, d.ID)
		move(t, f, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateChallenged, Challenge: &writ.ChallengeInput{Grounds: "g", Forum: "f"}})
		_, err := f.Store.Transition(ctx, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateClosed, ChallengeOutcome: "lost", Rationale: "x"})
		wantCode(t, err, writ.EINVALID, "challenge_outcome")
		move(t, f, f.Approver, d.ID, writ.TransitionInput{To: writ.StateApproved, ChallengeOutcome: "lost"})
	})
}

func testAssessmentFollowsDemand(t *testing.T, f *Fixture) {
	d := submit(t, f, f.AgencyUserUS, Warrant("anna@beispiel.example"))
	d, err := f.Store.Demand(ctx, f.Reviewer, d.ID)
	check(t, err)
	same := func(d writ.Demand) map[string]any {
		t.Helper()
		want, err := json.Marshal(f.Store.Rules().Assess(StoredCase(t, f.Store, d)))
		check(t, err)
		got, err := f.Store.Assessment(ctx, f.Auditor, d.ID)
		check(t, err)
		var g, w map[string]any
		check(t, json.Unmarshal(got, &g))
		check(t, json.Unmarshal(want, &w))
		if fmt.Sprint(g) != fmt.Sprint(w) {
			t.Fatalf("stored assessment\n%s\nwant\n%s", got, want)
		}
		return g
	}
	a := same(d)
	if a["route"] != "redirect_to_customer" || d.Route != "redirect_to_customer" {
		t.Fatalf("route %v / %s, want redirect_to_customer", a["route"], d.Route)
	}
	// A non-disclosure order arrives: the notice is delayed to its end, and
	// its review, at noon UTC the day after the order's last day, becomes a
	// deadline of the demand.
	d, err = f.Store.UpdateDemand(ctx, f.AgencyUserUS, d.ID, writ.DemandPatch{Nondisclosure: &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)", Until: "2027-05-20"}})
	check(t, err)
	d, err = f.Store.Demand(ctx, f.Reviewer, d.ID)
	check(t, err)
	a = same(d)
	notice := a["notice"].(map[string]any)
	if notice["timing"] != "delayed" || notice["until"] != "2027-05-20T00:00:00Z" {
		t.Fatalf("notice after the order: %v", notice)
	}
	if d.NextDeadline == nil || !d.NextDeadline.Equal(time.Date(2027, 5, 21, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("next deadline = %v, want the review of the order's end", d.NextDeadline)
	}
	// A recorded exception to customer-first changes the route.
	exc := "customer_complicit"
	d, err = f.Store.UpdateDemand(ctx, f.Reviewer, d.ID, writ.DemandPatch{CustomerFirstException: &exc, ClearNondisclosure: true})
	check(t, err)
	d, err = f.Store.Demand(ctx, f.Reviewer, d.ID)
	check(t, err)
	a = same(d)
	if a["route"] == "redirect_to_customer" {
		t.Fatalf("route stayed redirect_to_customer after an exception")
	}
}

func testPaging(t *testing.T, f *Fixture) {
	var made []int64
	for i := range 7 {
		in := Warrant("joe@mail.example")
		if i%2 == 0 {
			due := Start.Add(time.Duration(10-i) * 24 * time.Hour)
			in.Due = &due
		}
		in.Reference = fmt.Sprintf("REF-%d", i)
		made = append(made, submit(t, f, f.AgencyUserUS, in).ID)
	}
	var seen []int64
	cursor := ""
	for {
		page, err := f.Store.Demands(ctx, f.Reviewer, writ.DemandFilter{Limit: 3, Cursor: cursor})
		check(t, err)
		seen = append(seen, ids(page.Items)...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	want := slices.Clone(made)
	slices.Reverse(want)
	if !slices.Equal(seen, want) {
		t.Fatalf("pages by id gave %v, want %v", seen, want)
	}
	seen, cursor = nil, ""
	for {
		page, err := f.Store.Demands(ctx, f.Reviewer, writ.DemandFilter{Limit: 2, Cursor: cursor, Sort: "deadline"})
		check(t, err)
		seen = append(seen, ids(page.Items)...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	// The four with a due date come first, soonest first (the earliest
	// disclosure is a "not before" date, no deadline to sort by), then the
	// other three, oldest first.
	if want := []int64{made[6], made[4], made[2], made[0], made[1], made[3], made[5]}; !slices.Equal(seen, want) {
		t.Fatalf("pages by deadline gave %v, want %v", seen, want)
	}
	page, err := f.Store.Demands(ctx, f.Reviewer, writ.DemandFilter{Text: "ref-3"})
	check(t, err)
	if got := ids(page.Items); !slices.Equal(got, []int64{made[3]}) {
		t.Fatalf("text search gave %v", got)
	}
	page, err = f.Store.Demands(ctx, f.Reviewer, writ.DemandFilter{Text: "JOE@mail"})
	check(t, err)
	if len(page.Items) != 7 {
		t.Fatalf("account search found %d", len(page.Items))
	}
	before := Start.Add(9 * 24 * time.Hour)
	page, err = f.Store.Demands(ctx, f.Reviewer, writ.DemandFilter{DeadlineBefore: &before, Country: "US", Instrument: "us_search_warrant", State: writ.StateReceived})
	check(t, err)
	if len(page.Items) != 3 { // due on days 4, 6 and 8
		t.Fatalf("deadline filter found %d", len(page.Items))
	}
	_, err = f.Store.Demands(ctx, f.Reviewer, writ.DemandFilter{Cursor: "garbage!"})
	wantCode(t, err, writ.EINVALID, "cursor")
	_, err = f.Store.Demands(ctx, f.Reviewer, writ.DemandFilter{State: "lost"})
	wantCode(t, err, writ.EINVALID, "state")
}

func testDocuments(t *testing.T, f *Fixture) {
	d := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	doc, err := f.Store.AddDocument(ctx, f.AgencyUserUS, d.ID, "../../etc/warrant.pdf", []byte("%PDF-1.7\nsigned"))
	check(t, err)
	sum := sha256.Sum256([]byte("%PDF-1.7\nsigned"))
	if doc.ContentType != "application/pdf" || doc.Name != "warrant.pdf" || doc.Size != 15 || doc.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("document: %+v", doc)
	}
	_, err = f.Store.AddDocument(ctx, f.Reviewer, d.ID, "copy.pdf", []byte("%PDF-1.7\nsigned"))
	wantCode(t, err, writ.ECONFLICT)
	_, err = f.Store.AddDocument(ctx, f.AgencyUserUS, d.ID, "evil.pdf", []byte("<script>alert(1)</script>"))
	wantCode(t, err, writ.EINVALID, "document")
	_, err = f.Store.AddDocument(ctx, f.AgencyUserUS, d.ID, "big.pdf", append([]byte("%PDF-"), make([]byte, writ.MaxDocumentSize)...))
	wantCode(t, err, writ.ETOOLARGE)
	png, err := f.Store.AddDocument(ctx, f.Reviewer, d.ID, "scan.png", []byte("\x89PNG\r\n\x1a\nrest"))
	check(t, err)
	if png.ContentType != "image/png" {
		t.Fatalf("png sniffed as %s", png.ContentType)
	}
	docs, err := f.Store.Documents(ctx, f.Auditor, d.ID)
	check(t, err)
	if len(docs) != 2 {
		t.Fatalf("%d documents, want 2", len(docs))
	}
	_, err = f.Store.AddDocument(ctx, f.Auditor, d.ID, "a.pdf", []byte("%PDF-1.1"))
	wantCode(t, err, writ.EFORBIDDEN)
	_, _, err = f.Store.DocumentContent(ctx, f.Reviewer, d.ID, "00")
	wantCode(t, err, writ.ENOTFOUND)
}

func testEvents(t *testing.T, f *Fixture) {
	d := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	_, err := f.Store.AddDocument(ctx, f.AgencyUserUS, d.ID, "w.pdf", []byte("%PDF-1.7"))
	check(t, err)
	intoReview(t, f, f.Reviewer, d.ID)
	due := Start.Add(48 * time.Hour)
	_, err = f.Store.UpdateDemand(ctx, f.Reviewer, d.ID, writ.DemandPatch{Due: &due})
	check(t, err)
	page, err := f.Store.DemandEvents(ctx, f.Auditor, d.ID, "", 2)
	check(t, err)
	all := page.Items
	for page.NextCursor != "" {
		page, err = f.Store.DemandEvents(ctx, f.Auditor, d.ID, page.NextCursor, 2)
		check(t, err)
		all = append(all, page.Items...)
	}
	var kinds, actors []string
	for _, e := range all {
		kinds, actors = append(kinds, e.Kind), append(actors, e.Actor)
	}
	wantKinds := []string{"demand.received", "document.added", "demand.transition", "demand.transition", "demand.updated"}
	wantActors := []string{"Deputy Dan", "Deputy Dan", "Rhea", "Rhea", "Rhea"}
	if !slices.Equal(kinds, wantKinds) || !slices.Equal(actors, wantActors) {
		t.Fatalf("events %v by %v, want %v by %v", kinds, actors, wantKinds, wantActors)
	}
	var moved map[string]any
	check(t, json.Unmarshal(all[3].Data, &moved))
	if moved["from"] != "verifying" || moved["to"] != "in_review" {
		t.Fatalf("transition event data: %s", all[3].Data)
	}
}

func testRegistryValidation(t *testing.T, f *Fixture) {
	_, err := f.Store.CreateAgency(ctx, f.Admin, store.AgencyInput{Name: "X", Country: "ZZ", Kind: "law_enforcement"})
	wantCode(t, err, writ.EINVALID, "country")
	_, err = f.Store.CreateAgency(ctx, f.Admin, store.AgencyInput{Name: "X", Country: "FR", Kind: "spies"})
	wantCode(t, err, writ.EINVALID, "kind")
	_, err = f.Store.CreateAgency(ctx, f.Admin, store.AgencyInput{Name: "X", Country: "FR", Kind: "court", Domains: []string{"not a domain"}})
	wantCode(t, err, writ.EINVALID, "domains[0]")
	_, err = f.Store.CreateAgency(ctx, f.Reviewer, store.AgencyInput{Name: "X", Country: "FR", Kind: "court"})
	wantCode(t, err, writ.EFORBIDDEN)
	_, err = f.Store.CreateAgency(ctx, f.Admin, store.AgencyInput{Name: "Landeskriminalamt", Country: "DE", Kind: "law_enforcement"})
	wantCode(t, err, writ.ECONFLICT)
	_, err = f.Store.CreateCustomer(ctx, f.Admin, store.CustomerInput{Name: "Y", Kind: "enterprise", HomeCountry: "FR", KeyCustody: "provider_managed",
		LegalContact: "l@y.example", DataLocations: []writ.DataLocation{{Region: "r", Country: "QQ"}}})
	wantCode(t, err, writ.EINVALID, "data_locations[0].country")
	_, err = f.Store.CreateCustomer(ctx, f.Admin, store.CustomerInput{Name: "Y", Kind: "enterprise", HomeCountry: "FR", KeyCustody: "provider_managed",
		LegalContact: "l@y.example", DataLocations: []writ.DataLocation{{Region: "r", Country: "FR"}}, Accounts: []string{"joe@mail.example"}})
	wantCode(t, err, writ.EINVALID, "accounts[0]")
}
