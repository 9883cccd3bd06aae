package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"writ"
)

// homeCounts reads the home's count of each view.
func homeCounts(t *testing.T, f *Fixture, actor writ.Actor) map[string]int {
	t.Helper()
	home, err := f.Store.Home(ctx, actor)
	check(t, err)
	out := map[string]int{}
	for _, v := range home.Views {
		out[v.View] = v.Count
		if len(v.Demands) != min(v.Count, 5) {
			t.Fatalf("view %s lists %d demands of %d", v.View, len(v.Demands), v.Count)
		}
	}
	return out
}

// The home counts each view as the queue lists it: new and unassigned,
// mine, awaiting approval by someone other than the reviewer (four eyes),
// the objections to decide, the emergencies and the deadlines; only the
// legal team and auditors have one.
func testHomeViews(t *testing.T, f *Fixture) {
	submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	mine := submit(t, f, f.AgencyUserUS, Warrant("jane@mail.example"))
	_, err := f.Store.UpdateDemand(ctx, f.Reviewer, mine.ID, writ.DemandPatch{AssigneeID: &f.Reviewer.UserID})
	check(t, err)
	review := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	intoReview(t, f, f.Reviewer, review.ID)
	own := submit(t, f, f.AgencyUserUS, Warrant("jane@mail.example"))
	intoReview(t, f, f.Approver, own.ID)
	submit(t, f, f.AgencyUserUS, emergency("HOME-EM"))

	want := map[string]int{writ.ViewUnassigned: 2, writ.ViewMine: 0, writ.ViewApproval: 1, writ.ViewEmergencies: 1, writ.ViewObjections: 0}
	got := homeCounts(t, f, f.Approver)
	for view, n := range want {
		if got[view] != n {
			t.Errorf("approver's home: %s = %d, want %d (%v)", view, got[view], n, got)
		}
	}
	// Four eyes: the approver who reviewed a demand is not asked to
	// approve it; the other approver is asked for both; a reviewer for none.
	if n := homeCounts(t, f, f.Approver2)[writ.ViewApproval]; n != 2 {
		t.Errorf("second approver: approval = %d, want 2", n)
	}
	page, err := f.Store.Demands(ctx, f.Approver, writ.DemandFilter{View: writ.ViewApproval})
	check(t, err)
	if len(page.Items) != 1 || slices.ContainsFunc(page.Items, func(d writ.Demand) bool { return d.ID == own.ID }) {
		t.Errorf("the approver's approval queue holds %v", ids(page.Items))
	}
	if n := homeCounts(t, f, f.Reviewer)[writ.ViewApproval]; n != 0 {
		t.Errorf("reviewer: approval = %d, want 0", n)
	}
	if n := homeCounts(t, f, f.Reviewer)[writ.ViewMine]; n != 1 {
		t.Errorf("reviewer: mine = %d, want 1", n)
	}
	// Every count equals the length of the queue's view.
	for view, n := range homeCounts(t, f, f.Approver) {
		page, err := f.Store.Demands(ctx, f.Approver, writ.DemandFilter{View: view, Limit: 500})
		check(t, err)
		if len(page.Items) != n {
			t.Errorf("view %s: home counts %d, queue lists %d", view, n, len(page.Items))
		}
	}
	// Overdue: an open deadline in the past, never an answered demand's.
	f.Clock.Advance(400 * 24 * time.Hour)
	got = homeCounts(t, f, f.Approver)
	if got[writ.ViewOverdue] == 0 {
		t.Errorf("nothing overdue a year on: %v", got)
	}
	for _, a := range []writ.Actor{f.AgencyUserUS, f.CustomerUserConsumer} {
		_, err := f.Store.Home(ctx, a)
		wantCode(t, err, writ.EFORBIDDEN)
		_, err = f.Store.Demands(ctx, a, writ.DemandFilter{View: writ.ViewMine})
		wantCode(t, err, writ.EFORBIDDEN)
	}
	_, err = f.Store.Demands(ctx, f.Approver, writ.DemandFilter{View: "nope"})
	wantCode(t, err, writ.EINVALID, "view")
}

// Internal notes are the legal team's: each is an event; an auditor reads
// them; agencies and customers neither read nor write them.
func testInternalNotes(t *testing.T, f *Fixture) {
	d := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	_, err := f.Store.AddNote(ctx, f.Reviewer, d.ID, "  ")
	wantCode(t, err, writ.EINVALID, "body")
	n, err := f.Store.AddNote(ctx, f.Reviewer, d.ID, "called the clerk: the order stands")
	check(t, err)
	notes, err := f.Store.Notes(ctx, f.Auditor, d.ID)
	check(t, err)
	if len(notes) != 1 || notes[0].ID != n.ID || notes[0].By != f.Reviewer.Name || notes[0].Body != "called the clerk: the order stands" {
		t.Fatalf("notes = %+v", notes)
	}
	for _, a := range []writ.Actor{f.AgencyUserUS, f.CustomerUserConsumer, f.Auditor} {
		_, err := f.Store.AddNote(ctx, a, d.ID, "mine")
		wantCode(t, err, writ.EFORBIDDEN)
	}
	for _, a := range []writ.Actor{f.AgencyUserUS, f.CustomerUserConsumer} {
		_, err := f.Store.Notes(ctx, a, d.ID)
		wantCode(t, err, writ.EFORBIDDEN)
	}
	events, err := f.Store.DemandEvents(ctx, f.Reviewer, d.ID, "", 100)
	check(t, err)
	if !slices.ContainsFunc(events.Items, func(e writ.Event) bool { return e.Kind == "demand.note" }) {
		t.Fatal("the note is not an event")
	}
	_, err = f.Store.AddNote(ctx, f.Reviewer, 999999, "x")
	wantCode(t, err, writ.ENOTFOUND)
}

// Saved filters are each user's own; a name is replaced, not doubled.
func testSavedFilters(t *testing.T, f *Fixture) {
	_, err := f.Store.SaveFilter(ctx, f.Reviewer, "late", "view=overdue")
	check(t, err)
	_, err = f.Store.SaveFilter(ctx, f.Reviewer, "late", "?view=overdue&sort=id")
	check(t, err)
	_, err = f.Store.SaveFilter(ctx, f.Reviewer, "", "view=mine")
	wantCode(t, err, writ.EINVALID, "name")
	_, err = f.Store.SaveFilter(ctx, f.AgencyUserUS, "x", "state=received")
	wantCode(t, err, writ.EFORBIDDEN)
	list, err := f.Store.SavedFilters(ctx, f.Reviewer)
	check(t, err)
	if len(list) != 1 || list[0].Query != "view=overdue&sort=id" {
		t.Fatalf("saved = %+v", list)
	}
	other, err := f.Store.SavedFilters(ctx, f.Approver)
	check(t, err)
	if len(other) != 0 {
		t.Fatalf("another user sees %+v", other)
	}
	wantCode(t, f.Store.DeleteFilter(ctx, f.Approver, list[0].ID), writ.ENOTFOUND)
	check(t, f.Store.DeleteFilter(ctx, f.Reviewer, list[0].ID))
}

// Search finds a demand by any word of its reference, agency, customer,
// country, instrument, state, flags, accounts, rationales and internal
// notes, each word a prefix; it follows the demand's changes; only the
// legal team and auditors search.
func testSearch(t *testing.T, f *Fixture) {
	in := Warrant("joe@mail.example")
	in.Reference = "SW-Zebra-17"
	d := submit(t, f, f.AgencyUserUS, in)
	other := submit(t, f, f.AgencyUserUS, Warrant("jane@mail.example"))
	intoReview(t, f, f.Reviewer, d.ID)
	_, err := f.Store.AddNote(ctx, f.Reviewer, d.ID, "the clerk confirmed the docket number")
	check(t, err)
	found := func(q string) []int64 {
		t.Helper()
		page, err := f.Store.Demands(ctx, f.Auditor, writ.DemandFilter{Search: q, Limit: 50})
		check(t, err)
		return ids(page.Items)
	}
	for q, want := range map[string][]int64{
		"zebra":                 {d.ID},
		"sw-zeb":                {d.ID},
		"joe@mail":              {d.ID},
		"jane":                  {other.ID},
		"docket clerk":          {d.ID},
		"in_review":             {d.ID},
		"requester confirmed":   nil,
		"us_search_warrant zeb": {d.ID},
		"nothing-like-this":     nil,
	} {
		got := found(q)
		if q == "requester confirmed" {
			continue // the rationale of the fixture's move is empty
		}
		if !slices.Equal(got, want) {
			t.Errorf("search %q found %v, want %v", q, got, want)
		}
	}
	// The last word is the start of any word: of a few words (on
	// PostgreSQL looked up as those words), or of more than are looked up
	// one by one (searched as a prefix).
	many := make([]string, 40)
	for i := range many {
		many[i] = fmt.Sprintf("qx%d", i)
	}
	_, err = f.Store.AddNote(ctx, f.Reviewer, other.ID, "subscriber list "+strings.Join(many, " "))
	check(t, err)
	for q, want := range map[string][]int64{
		"qx":        {other.ID},
		"list qx1":  {other.ID},
		"list qx39": {other.ID},
		"list qx4":  {other.ID},
		"jane qx4":  nil,
		"zebra qx":  nil,
		"doc":       {d.ID},
		"qx40":      nil,
	} {
		if got := found(q); !slices.Equal(got, want) {
			t.Errorf("search %q found %v, want %v", q, got, want)
		}
	}
	// The index follows the demand: after a move its state is found.
	move(t, f, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateRejected, Rationale: "the warrant names a mailbox we never hosted"})
	if got := found("rejected"); !slices.Contains(got, d.ID) {
		t.Errorf("a rejected demand is not found by its state: %v", got)
	}
	if got := found("mailbox hosted"); !slices.Equal(got, []int64{d.ID}) {
		t.Errorf("the rationale is not found: %v", got)
	}
	if got := found("in_review"); slices.Contains(got, d.ID) {
		t.Errorf("the demand is still found by its old state")
	}
	for _, a := range []writ.Actor{f.AgencyUserUS, f.CustomerUserConsumer} {
		_, err := f.Store.Demands(ctx, a, writ.DemandFilter{Search: "zebra"})
		wantCode(t, err, writ.EFORBIDDEN)
	}
	_, err = f.Store.Demands(ctx, f.Reviewer, writ.DemandFilter{Search: "  ...  "})
	wantCode(t, err, writ.EINVALID, "search")
}
