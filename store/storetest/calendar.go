package storetest

import (
	"testing"
	"time"

	"writ"
)

func testDeadlines(t *testing.T, f *Fixture) {
	due := f.Clock.Now().Add(72 * time.Hour)
	in := Warrant("joe@mail.example")
	in.Due = &due
	d := submit(t, f, f.AgencyUserUS, in)
	list, err := f.Store.Deadlines(ctx, f.Auditor, f.Clock.Now(), f.Clock.Now().Add(30*24*time.Hour))
	check(t, err)
	found := false
	for _, e := range list {
		if e.DemandID == d.ID && e.Code == "RESPOND" {
			found = true
		}
	}
	if !found {
		t.Fatalf("the calendar lacks the demand's RESPOND deadline: %+v", list)
	}
	_, err = f.Store.Deadlines(ctx, f.AgencyUserUS, f.Clock.Now(), f.Clock.Now().Add(time.Hour))
	wantCode(t, err, writ.EFORBIDDEN)
	// Filtering the queue by flag matches the flag exactly.
	page, err := f.Store.Demands(ctx, f.Reviewer, writ.DemandFilter{Flag: "EMERGENCY"})
	check(t, err)
	if len(page.Items) != 0 {
		t.Fatal("a demand without the flag matches it")
	}
}
