package storetest

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"writ"
)

// The legal team may narrow the categories a demand asks for, never widen
// them; the narrowing is an event, the demand is reassessed with the
// categories it keeps, and a category narrowed out after the approval is
// no longer produced.
func testCategoriesOnlyNarrow(t *testing.T, f *Fixture) {
	in := Warrant("joe@mail.example")
	in.DataCategories = []string{"subscriber", "content"}
	d := submit(t, f, f.AgencyUserUS, in)
	intoReview(t, f, f.Reviewer, d.ID)
	move(t, f, f.Approver, d.ID, writ.TransitionInput{To: writ.StateApproved})
	d, err := f.Store.Demand(ctx, f.Reviewer, d.ID)
	check(t, err)

	narrow := func(actor writ.Actor, to ...string) (writ.Demand, error) {
		return f.Store.UpdateDemand(ctx, actor, d.ID, writ.DemandPatch{DataCategories: &to})
	}
	_, err = narrow(f.Reviewer, "content", "traffic")
	wantCode(t, err, writ.EINVALID, "data_categories[1]")
	_, err = narrow(f.Reviewer)
	wantCode(t, err, writ.EINVALID, "data_categories")
	_, err = narrow(f.Reviewer, "content", "content")
	wantCode(t, err, writ.EINVALID, "data_categories[1]")
	_, err = narrow(f.Reviewer, "content", "subscriber")
	wantCode(t, err, writ.EINVALID, "") // nothing narrowed: the change names no field
	for _, a := range []writ.Actor{f.AgencyUserUS, f.Auditor, f.CustomerUserConsumer} {
		_, err = narrow(a, "content")
		if c := writ.ErrorCode(err); c != writ.EFORBIDDEN && c != writ.ENOTFOUND {
			t.Fatalf("%s narrowed the categories: %v", a.Role, err)
		}
	}
	unchanged, err := f.Store.Demand(ctx, f.Reviewer, d.ID)
	check(t, err)
	if unchanged.Version != d.Version || !slices.Equal(unchanged.DataCategories, in.DataCategories) {
		t.Fatalf("a refused change changed the demand: %v at version %d", unchanged.DataCategories, unchanged.Version)
	}

	version := d.Version
	got, err := f.Store.UpdateDemand(ctx, f.Reviewer, d.ID, writ.DemandPatch{DataCategories: &[]string{"subscriber"}, Version: &version, VersionRequired: true})
	check(t, err)
	if !slices.Equal(got.DataCategories, []string{"subscriber"}) || got.Version != version+1 {
		t.Fatalf("narrowed demand: %v at version %d", got.DataCategories, got.Version)
	}
	_, err = f.Store.UpdateDemand(ctx, f.Reviewer, d.ID, writ.DemandPatch{DataCategories: &[]string{"subscriber"}, Version: &version})
	wantCode(t, err, writ.EPRECONDITION, "If-Match")

	wantAssessedAgain(t, f, got) // with the categories it keeps

	page, err := f.Store.DemandEvents(ctx, f.Auditor, d.ID, "", 100)
	check(t, err)
	last := page.Items[len(page.Items)-1]
	var ev struct {
		Changes map[string]struct{ From, To []string } `json:"changes"`
	}
	check(t, json.Unmarshal(last.Data, &ev))
	if c := ev.Changes["data_categories"]; last.Kind != "demand.updated" || !slices.Equal(c.From, in.DataCategories) || !slices.Equal(c.To, []string{"subscriber"}) {
		t.Fatalf("last event %s %s, want the narrowing", last.Kind, last.Data)
	}

	// Approved before the narrowing, content is no longer produced.
	move(t, f, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateNoticed})
	_, err = f.Store.RecordDelivery(ctx, f.Reviewer, d.ID, writ.DeliveryInput{Method: "phone", Evidence: "read the notice to the account holder"})
	check(t, err)
	f.Clock.Advance(8 * 24 * time.Hour)
	_, err = f.Store.Produce(ctx, f.Reviewer, d.ID, pkg("From joe\n"))
	wantCode(t, err, writ.EINVALID, "scope.categories")
	sub := pkg("joe,+1 555 0111\n")
	sub.Scope.Categories = []string{"subscriber"}
	f.Deliver(t, d.ID, sub)
}

// wantAssessedAgain fails unless the stored assessment of d is the
// rulebook's assessment of d as it is stored now, and returns it.
func wantAssessedAgain(t *testing.T, f *Fixture, d writ.Demand) string {
	t.Helper()
	want, err := json.Marshal(f.Store.Rules().Assess(StoredCase(t, f.Store, d)))
	check(t, err)
	stored, err := f.Store.Assessment(ctx, f.Auditor, d.ID)
	check(t, err)
	var g, w any
	check(t, json.Unmarshal(stored, &g))
	check(t, json.Unmarshal(want, &w))
	if gj, _ := json.Marshal(g); string(gj) != string(mustJSON(t, w)) {
		t.Fatalf("stored assessment\n%s\nwant\n%s", stored, want)
	}
	return string(stored)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	check(t, err)
	return b
}
