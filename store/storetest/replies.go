package storetest

import (
	"testing"

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
