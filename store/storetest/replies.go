package storetest

import (
	"testing"
	"time"

	"writ"
)

func testAgencyReply(t *testing.T, f *Fixture) {
	d := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	_, err := f.Store.Reply(ctx, f.AgencyUserUS, d.ID, "too early")
	wantCode(t, err, writ.ECONFLICT)
	move(t, f, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateVerifying})
	move(t, f, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateInReview})
	move(t, f, f.Reviewer, d.ID, writ.TransitionInput{To: writ.StateRejected})
	_, err = f.Store.Reply(ctx, f.AgencyUserUS, d.ID, "  ")
	wantCode(t, err, writ.EINVALID, "message")
	_, err = f.Store.Reply(ctx, f.AgencyUserDE, d.ID, "not mine")
	wantCode(t, err, writ.ENOTFOUND)
	_, err = f.Store.Reply(ctx, f.Reviewer, d.ID, "legal")
	wantCode(t, err, writ.EFORBIDDEN)
	r, err := f.Store.Reply(ctx, f.AgencyUserUS, d.ID, "a corrected warrant follows")
	check(t, err)
	list, err := f.Store.Replies(ctx, f.Reviewer, d.ID)
	check(t, err)
	if len(list) != 1 || list[0].ID != r.ID || list[0].Message != "a corrected warrant follows" {
		t.Fatalf("replies %+v", list)
	}
	_, err = f.Store.Replies(ctx, f.CustomerUserConsumer, d.ID)
	if writ.ErrorCode(err) != writ.EFORBIDDEN && writ.ErrorCode(err) != writ.ENOTFOUND {
		t.Fatalf("a customer reads the agency's replies: %v", err)
	}
}

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
