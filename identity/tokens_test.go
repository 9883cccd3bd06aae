package identity_test

import (
	"slices"
	"testing"
	"time"

	"writ"
	"writ/identity"
	"writ/store"
	"writ/store/storetest"
)

func testTokensFourEyes(t *testing.T, f *fixture) {
	u, err := f.Identity.CreateUser(ctx, writ.System(), identity.UserInput{Name: "Adele", Email: "adele@provider.example", Role: writ.RoleAdmin})
	check(t, err)
	admin2 := writ.ActorOf(u)
	// Nobody makes a token for someone else alone.
	for _, a := range []writ.Actor{f.Admin, f.Reviewer} {
		_, err := f.Identity.CreateToken(ctx, a, f.Approver.UserID, writ.TokenInput{})
		wantCode(t, err, writ.EFORBIDDEN)
	}
	_, err = f.Identity.RequestToken(ctx, f.Reviewer, f.Approver.UserID, writ.TokenInput{})
	wantCode(t, err, writ.EFORBIDDEN)
	req, err := f.Identity.RequestToken(ctx, f.Admin, f.Approver.UserID, writ.TokenInput{Label: "approvals robot"})
	check(t, err)
	if req.State != "pending" || req.RequestedBy != "Ada" {
		t.Fatalf("request: %+v", req)
	}
	pending, err := f.Identity.TokenRequests(ctx, admin2)
	check(t, err)
	if len(pending) != 1 || pending[0].ID != req.ID {
		t.Fatalf("pending requests: %+v", pending)
	}
	_, err = f.Identity.TokenRequests(ctx, f.Approver)
	wantCode(t, err, writ.EFORBIDDEN)
	_, err = f.Identity.ConfirmTokenRequest(ctx, f.Admin, req.ID)
	wantCode(t, err, writ.EFORBIDDEN) // four eyes: not the admin who asked
	_, err = f.Identity.ConfirmTokenRequest(ctx, f.Approver, req.ID)
	wantCode(t, err, writ.EFORBIDDEN)
	tok, err := f.Identity.ConfirmTokenRequest(ctx, admin2, req.ID)
	check(t, err)
	if who, err := f.Identity.Authenticate(ctx, tok.Secret); err != nil || who.ID != f.Approver.UserID {
		t.Fatalf("the confirmed token: %+v, %v", who, err)
	}
	_, err = f.Identity.ConfirmTokenRequest(ctx, admin2, req.ID)
	wantCode(t, err, writ.ECONFLICT)
	// A request nobody confirmed within a week lapses.
	stale, err := f.Identity.RequestToken(ctx, f.Admin, f.Reviewer.UserID, writ.TokenInput{})
	check(t, err)
	f.Clock.Advance(8 * 24 * time.Hour)
	_, err = f.Identity.ConfirmTokenRequest(ctx, admin2, stale.ID)
	wantCode(t, err, writ.ECONFLICT)
	// Everyone makes their own, for 90 days unless they say otherwise.
	own, err := f.Identity.CreateToken(ctx, f.Approver, f.Approver.UserID, writ.TokenInput{Label: "laptop"})
	check(t, err)
	if !own.ExpiresAt.Equal(f.Clock.Now().AddDate(0, 0, 90)) || own.CreatedBy != "Arlo" {
		t.Fatalf("own token: %+v", own.Token)
	}
}

func testTokensEnd(t *testing.T, f *fixture) {
	_, err := f.Identity.CreateToken(ctx, f.Reviewer, f.Reviewer.UserID, writ.TokenInput{ExpiresInDays: 400})
	wantCode(t, err, writ.EINVALID, "expires_in_days")
	day, err := f.Identity.CreateToken(ctx, f.Reviewer, f.Reviewer.UserID, writ.TokenInput{ExpiresInDays: 1})
	check(t, err)
	if _, err := f.Identity.Authenticate(ctx, day.Secret); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(24 * time.Hour)
	_, err = f.Identity.Authenticate(ctx, day.Secret)
	wantCode(t, err, writ.EUNAUTHORIZED)
	// Revoked by its user (or an admin), never by another.
	lost, err := f.Identity.CreateToken(ctx, f.Reviewer, f.Reviewer.UserID, writ.TokenInput{Label: "laptop"})
	check(t, err)
	_, err = f.Identity.RevokeToken(ctx, f.AgencyUserUS, lost.ID, "")
	wantCode(t, err, writ.ENOTFOUND)
	revoked, err := f.Identity.RevokeToken(ctx, f.Reviewer, lost.ID, "laptop stolen")
	check(t, err)
	if revoked.RevokedAt == nil || revoked.RevokeReason != "laptop stolen" {
		t.Fatalf("revoked: %+v", revoked)
	}
	_, err = f.Identity.Authenticate(ctx, lost.Secret)
	wantCode(t, err, writ.EUNAUTHORIZED)
	list, err := f.Identity.Tokens(ctx, f.Admin, f.Reviewer.UserID)
	check(t, err)
	if len(list) != 2 || list[0].ID != lost.ID || list[0].RevokedAt == nil {
		t.Fatalf("tokens: %+v", list)
	}
	_, err = f.Identity.Tokens(ctx, f.Auditor, f.Reviewer.UserID)
	wantCode(t, err, writ.EFORBIDDEN)
	// A password change revokes every token of the user.
	kept, err := f.Identity.CreateToken(ctx, f.Reviewer, f.Reviewer.UserID, writ.TokenInput{})
	check(t, err)
	check(t, f.Identity.SetPassword(ctx, f.Reviewer, f.Reviewer.UserID, "a new long passphrase"))
	_, err = f.Identity.Authenticate(ctx, kept.Secret)
	wantCode(t, err, writ.EUNAUTHORIZED)
}

func testDeactivation(t *testing.T, f *fixture) {
	dan := f.AgencyUserUS
	d := submit(t, f, dan, storetest.Warrant("joe@mail.example"))
	check(t, f.Identity.SetPassword(ctx, writ.System(), dan.UserID, "correct horse battery staple"))
	u, err := f.Store.User(ctx, dan.UserID)
	check(t, err)
	in, err := f.Identity.PasswordSignIn(ctx, u.Email, "correct horse battery staple", "192.0.2.1")
	check(t, err)
	tok, err := f.Identity.CreateToken(ctx, dan, dan.UserID, writ.TokenInput{})
	check(t, err)

	_, err = f.Identity.DeactivateUser(ctx, f.Reviewer, dan.UserID, "left the agency")
	wantCode(t, err, writ.EFORBIDDEN)
	_, err = f.Identity.DeactivateUser(ctx, f.Admin, f.Admin.UserID, "me")
	wantCode(t, err, writ.EFORBIDDEN)
	_, err = f.Identity.DeactivateUser(ctx, f.Admin, dan.UserID, "")
	wantCode(t, err, writ.EINVALID, "reason")
	gone, err := f.Identity.DeactivateUser(ctx, f.Admin, dan.UserID, "left the agency")
	check(t, err)
	if gone.Active || gone.DeactivatedAt == nil {
		t.Fatalf("deactivated user: %+v", gone)
	}
	_, err = f.Identity.Authenticate(ctx, tok.Secret)
	wantCode(t, err, writ.EUNAUTHORIZED)
	_, err = f.Identity.SessionByToken(ctx, in.Token)
	wantCode(t, err, writ.EUNAUTHORIZED)
	_, err = f.Identity.PasswordSignIn(ctx, u.Email, "correct horse battery staple", "192.0.2.1")
	wantCode(t, err, writ.EUNAUTHORIZED)
	_, err = f.Identity.CreateToken(ctx, writ.System(), dan.UserID, writ.TokenInput{})
	wantCode(t, err, writ.ECONFLICT)
	_, err = f.Identity.ConfirmUser(ctx, f.Reviewer, dan.UserID, "called again")
	wantCode(t, err, writ.ECONFLICT)
	_, err = f.Identity.DeactivateUser(ctx, f.Admin, dan.UserID, "again")
	wantCode(t, err, writ.ECONFLICT)
	// Kept, since the log names them.
	users, err := f.Identity.Users(ctx, f.Auditor)
	check(t, err)
	if !slices.ContainsFunc(users, func(a store.Account) bool { return a.ID == dan.UserID && a.DeactivatedAt != nil }) {
		t.Fatal("the deactivated user is no longer listed")
	}
	events, err := f.Store.DemandEvents(ctx, f.Auditor, d.ID, "", 10)
	check(t, err)
	if events.Items[0].Actor != dan.Name {
		t.Fatalf("the demand's first event names %q", events.Items[0].Actor)
	}
}
