package identity_test

import (
	"testing"

	"writ"
	"writ/identity"
)

func testAgencyUserConfirmation(t *testing.T, f *fixture) {
	agency := f.AgencyUS.ID
	_, err := f.Identity.CreateUser(ctx, f.Admin, identity.UserInput{Name: "Impostor", Email: "dan@sheriff-example.gov", Role: writ.RoleAgency, AgencyID: &agency})
	wantCode(t, err, writ.EINVALID, "email")
	u, err := f.Identity.CreateUser(ctx, f.Admin, identity.UserInput{Name: "New Deputy", Email: "new@sheriff.example.gov", Role: writ.RoleAgency, AgencyID: &agency})
	check(t, err)
	if u.Active {
		t.Fatal("a new agency user is active before confirmation")
	}
	token, err := f.Identity.CreateToken(ctx, writ.System(), u.ID, writ.TokenInput{Label: "t"})
	check(t, err)
	_, err = f.Identity.Authenticate(ctx, token.Secret)
	wantCode(t, err, writ.EUNAUTHORIZED)
	_, err = f.Identity.ConfirmUser(ctx, f.AgencyUserUS, u.ID, "I vouch for myself")
	wantCode(t, err, writ.EFORBIDDEN)
	_, err = f.Identity.ConfirmUser(ctx, f.Reviewer, u.ID, "")
	wantCode(t, err, writ.EINVALID, "confirmation")
	u, err = f.Identity.ConfirmUser(ctx, f.Reviewer, u.ID, "called +1 555 0100, spoke to the duty sergeant")
	check(t, err)
	if !u.Active || u.Confirmation == "" {
		t.Fatalf("confirmed user: %+v", u)
	}
	if _, err := f.Identity.Authenticate(ctx, token.Secret); err != nil {
		t.Fatal(err)
	}
	_, err = f.Identity.ConfirmUser(ctx, f.Reviewer, u.ID, "again")
	wantCode(t, err, writ.ECONFLICT)
	// Users of an unverified agency cannot be confirmed.
	unverified := f.AgencyUnverified.ID
	v, err := f.Identity.CreateUser(ctx, f.Admin, identity.UserInput{Name: "X", Email: "x@unknown-police.example", Role: writ.RoleAgency, AgencyID: &unverified})
	check(t, err)
	_, err = f.Identity.ConfirmUser(ctx, f.Reviewer, v.ID, "called")
	wantCode(t, err, writ.ECONFLICT)
}

// A user is refused with the field at fault named; a token authenticates
// its user and nothing else.
func testUserValidation(t *testing.T, f *fixture) {
	_, err := f.Identity.CreateUser(ctx, f.Admin, identity.UserInput{Name: "Z", Email: "z@x.example", Role: writ.RoleAgency})
	wantCode(t, err, writ.EINVALID, "agency_id")
	_, err = f.Identity.CreateUser(ctx, f.Admin, identity.UserInput{Name: "Z", Email: "not-an-address", Role: writ.RoleAuditor})
	wantCode(t, err, writ.EINVALID, "email")
	_, err = f.Identity.CreateUser(ctx, f.Admin, identity.UserInput{Name: "Z", Email: "rhea@provider.example", Role: writ.RoleAuditor})
	wantCode(t, err, writ.ECONFLICT)
	token, err := f.Identity.CreateToken(ctx, f.Auditor, f.Auditor.UserID, writ.TokenInput{Label: "t"})
	check(t, err)
	u, err := f.Identity.Authenticate(ctx, token.Secret)
	check(t, err)
	if u.ID != f.Auditor.UserID {
		t.Fatalf("token authenticates user %d", u.ID)
	}
	_, err = f.Identity.Authenticate(ctx, token.Secret+"x")
	wantCode(t, err, writ.EUNAUTHORIZED)
}
