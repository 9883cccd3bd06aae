package storetest

import (
	"slices"
	"testing"
	"time"

	"writ"
	"writ/store"
)

// Raw reads one value directly from a store's database (store.QueryRaw,
// which only the store's own tests can reach).
type Raw func(s *store.Store, query string, dest any, args ...any) error

// RunSignIn runs the tests of web sign-in and sessions against the stores
// open makes: passwords, second factors, lock-out, expiry, agency replies.
func RunSignIn(t *testing.T, open Opener, raw Raw) {
	tests := []struct {
		name string
		fn   func(*testing.T, *Fixture, Raw)
	}{
		{"PasswordThenCodeSignsIn", testPasswordThenCode},
		{"EverySignInIsAnEvent", testSignInEvents},
		{"FailuresLockTheAccount", testLockOut},
		{"SessionsEndIdleAbsoluteAndOnSignOut", testSessionExpiry},
		{"LegalTeamNeedsASecondFactor", testSecondFactorRequired},
		{"PasswordsAreCheckedAndConfined", testPasswordRules},
		{"AgencyRepliesToARejection", testAgencyReply},
		{"DeadlinesForTheCalendar", testDeadlines},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, NewFixture(t, open), raw)
		})
	}
}

const testPassword = "correct horse battery staple"

// credentials gives a fixture user a password and, when asked, a TOTP
// secret, and returns the address and the secret.
func credentials(t *testing.T, f *Fixture, a writ.Actor, totp bool) (string, string) {
	t.Helper()
	check(t, f.Store.SetPassword(ctx, writ.System(), a.UserID, testPassword))
	u, err := f.Store.User(ctx, a.UserID)
	check(t, err)
	secret := ""
	if totp {
		secret, err = store.NewTOTPSecret()
		check(t, err)
		check(t, f.Store.SetTOTP(ctx, writ.System(), a.UserID, secret))
	}
	return u.Email, secret
}

func testPasswordThenCode(t *testing.T, f *Fixture, raw Raw) {
	email, secret := credentials(t, f, f.Reviewer, true)
	in, err := f.Store.PasswordSignIn(ctx, email, testPassword, "192.0.2.1")
	check(t, err)
	if in.Session.Stage != store.StageSecondFactor {
		t.Fatalf("a reviewer's password alone gives stage %s", in.Session.Stage)
	}
	if _, err := f.Store.SessionByToken(ctx, in.Token); err != nil {
		t.Fatal(err)
	}
	_, err = f.Store.SecondFactorSignIn(ctx, in.Token, "123456", "192.0.2.1")
	if code, _ := store.TOTPCode(secret, f.Clock.Now()); code == "123456" {
		t.Skip("the random secret's code is 123456")
	}
	wantCode(t, err, writ.EUNAUTHORIZED)
	code, err := store.TOTPCode(secret, f.Clock.Now())
	check(t, err)
	full, err := f.Store.SecondFactorSignIn(ctx, in.Token, code, "192.0.2.1")
	check(t, err)
	if full.Token == in.Token || full.Session.Stage != store.StageSignedIn {
		t.Fatal("the second factor must give a new, signed-in session")
	}
	// The half-way token is worth nothing now.
	_, err = f.Store.SessionByToken(ctx, in.Token)
	wantCode(t, err, writ.EUNAUTHORIZED)
	sess, err := f.Store.SessionByToken(ctx, full.Token)
	check(t, err)
	if sess.User.ID != f.Reviewer.UserID || sess.CSRF == "" {
		t.Fatalf("session %+v", sess)
	}
	// The same code cannot sign in twice; the code of 30 seconds earlier
	// (within the skew) is before the step used and refused too.
	again, err := f.Store.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	_, err = f.Store.SecondFactorSignIn(ctx, again.Token, code, "")
	wantCode(t, err, writ.EUNAUTHORIZED)
	f.Clock.Advance(30 * time.Second)
	next, err := store.TOTPCode(secret, f.Clock.Now())
	check(t, err)
	again, err = f.Store.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	_, err = f.Store.SecondFactorSignIn(ctx, again.Token, next, "")
	check(t, err)
	// Agency users sign in with a password alone.
	agencyEmail, _ := credentials(t, f, f.AgencyUserUS, false)
	in, err = f.Store.PasswordSignIn(ctx, agencyEmail, testPassword, "")
	check(t, err)
	if in.Session.Stage != store.StageSignedIn {
		t.Fatal("an agency user without a second factor must be signed in by the password")
	}
	// The address is matched whatever its case.
	if _, err := f.Store.PasswordSignIn(ctx, " DAN@Sheriff.Example.GOV ", testPassword, ""); err != nil {
		t.Fatal(err)
	}
}

// signInEvents are the kinds of the events about sign-ins, in order.
func signInEvents(t *testing.T, f *Fixture, raw Raw) []string {
	t.Helper()
	var kinds []string
	var n int64
	check(t, raw(f.Store, `SELECT count(*) FROM events`, &n))
	for i := int64(1); i <= n; i++ {
		var kind string
		if err := raw(f.Store, `SELECT kind FROM events WHERE id = ?`, &kind, i); err != nil {
			continue
		}
		if kind == "signin.failed" || kind == "signin.succeeded" || kind == "signout" {
			kinds = append(kinds, kind)
		}
	}
	return kinds
}

func testSignInEvents(t *testing.T, f *Fixture, raw Raw) {
	email, _ := credentials(t, f, f.CustomerUserConsumer, false)
	_, err := f.Store.PasswordSignIn(ctx, email, "wrong password", "198.51.100.7")
	wantCode(t, err, writ.EUNAUTHORIZED)
	_, err = f.Store.PasswordSignIn(ctx, "nobody@nowhere.example", testPassword, "198.51.100.7")
	wantCode(t, err, writ.EUNAUTHORIZED)
	in, err := f.Store.PasswordSignIn(ctx, email, testPassword, "198.51.100.7")
	check(t, err)
	check(t, f.Store.SignOut(ctx, in.Token))
	got := signInEvents(t, f, raw)
	want := []string{"signin.failed", "signin.failed", "signin.succeeded", "signout"}
	if !slices.Equal(got, want) {
		t.Fatalf("sign-in events %v, want %v", got, want)
	}
	// Each is in the audit log: it has a log index.
	var indexed int64
	check(t, raw(f.Store, `SELECT count(*) FROM events WHERE kind LIKE 'sign%' AND log_index IS NOT NULL`, &indexed))
	if indexed != 4 {
		t.Fatalf("%d sign-in events in the audit log, want 4", indexed)
	}
}

func testLockOut(t *testing.T, f *Fixture, raw Raw) {
	email, secret := credentials(t, f, f.Approver, true)
	for range store.LockAfter - 1 {
		_, err := f.Store.PasswordSignIn(ctx, email, "wrong password", "")
		wantCode(t, err, writ.EUNAUTHORIZED)
	}
	// A wrong code counts as much as a wrong password.
	in, err := f.Store.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	_, err = f.Store.SecondFactorSignIn(ctx, in.Token, "000000", "")
	if c, _ := store.TOTPCode(secret, f.Clock.Now()); c == "000000" {
		t.Skip("the random secret's code is 000000")
	}
	wantCode(t, err, writ.EUNAUTHORIZED)
	// Locked now, even with the right password.
	_, err = f.Store.PasswordSignIn(ctx, email, testPassword, "")
	wantCode(t, err, writ.ETOOMANY)
	f.Clock.Advance(store.LockWindow - time.Minute)
	_, err = f.Store.PasswordSignIn(ctx, email, testPassword, "")
	wantCode(t, err, writ.ETOOMANY)
	f.Clock.Advance(time.Minute)
	_, err = f.Store.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	// Failures of another account do not lock this one.
	other, _ := credentials(t, f, f.AgencyUserDE, false)
	for range store.LockAfter + 2 {
		f.Store.PasswordSignIn(ctx, "someone@else.example", "x", "")
	}
	_, err = f.Store.PasswordSignIn(ctx, other, testPassword, "")
	check(t, err)
}

func testSessionExpiry(t *testing.T, f *Fixture, raw Raw) {
	email, _ := credentials(t, f, f.AgencyUserUS, false)
	in, err := f.Store.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	f.Clock.Advance(store.IdleTimeout - time.Minute)
	_, err = f.Store.SessionByToken(ctx, in.Token)
	check(t, err)
	f.Clock.Advance(store.IdleTimeout - time.Minute)
	_, err = f.Store.SessionByToken(ctx, in.Token)
	check(t, err)
	f.Clock.Advance(store.IdleTimeout)
	_, err = f.Store.SessionByToken(ctx, in.Token)
	wantCode(t, err, writ.EUNAUTHORIZED)

	in, err = f.Store.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	for elapsed := time.Duration(0); elapsed < store.AbsoluteTimeout-20*time.Minute; elapsed += 20 * time.Minute {
		f.Clock.Advance(20 * time.Minute)
		_, err = f.Store.SessionByToken(ctx, in.Token)
		check(t, err)
	}
	f.Clock.Advance(20 * time.Minute)
	_, err = f.Store.SessionByToken(ctx, in.Token)
	wantCode(t, err, writ.EUNAUTHORIZED)

	in, err = f.Store.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	check(t, f.Store.SignOut(ctx, in.Token))
	_, err = f.Store.SessionByToken(ctx, in.Token)
	wantCode(t, err, writ.EUNAUTHORIZED)
	// A new password ends every session.
	in, err = f.Store.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	check(t, f.Store.SetPassword(ctx, f.AgencyUserUS, f.AgencyUserUS.UserID, "a brand new password"))
	_, err = f.Store.SessionByToken(ctx, in.Token)
	wantCode(t, err, writ.EUNAUTHORIZED)
	// Sessions are kept only as hashes.
	var n int64
	check(t, raw(f.Store, `SELECT count(*) FROM sessions WHERE hash = ?`, &n, in.Token))
	if n != 0 {
		t.Fatal("a session token is stored as it is")
	}
}

func testSecondFactorRequired(t *testing.T, f *Fixture, raw Raw) {
	for _, a := range []writ.Actor{f.Admin, f.Reviewer, f.Approver, f.Auditor} {
		email, _ := credentials(t, f, a, false)
		_, err := f.Store.PasswordSignIn(ctx, email, testPassword, "")
		wantCode(t, err, writ.EUNAUTHORIZED)
	}
	// A customer user who enrolled one gives it too.
	email, _ := credentials(t, f, f.CustomerUserEnterprise, true)
	in, err := f.Store.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	if in.Session.Stage != store.StageSecondFactor {
		t.Fatal("a customer user with a second factor must give it")
	}
	// An agency user waiting for confirmation cannot sign in.
	u, err := f.Store.CreateUser(ctx, writ.System(), store.UserInput{Name: "New", Email: "new@sheriff.example.gov", Role: writ.RoleAgency, AgencyID: &f.AgencyUS.ID})
	check(t, err)
	check(t, f.Store.SetPassword(ctx, writ.System(), u.ID, testPassword))
	_, err = f.Store.PasswordSignIn(ctx, u.Email, testPassword, "")
	wantCode(t, err, writ.EUNAUTHORIZED)
}

func testPasswordRules(t *testing.T, f *Fixture, raw Raw) {
	wantCode(t, f.Store.SetPassword(ctx, writ.System(), f.Reviewer.UserID, "short"), writ.EINVALID, "password")
	wantCode(t, f.Store.SetPassword(ctx, f.Reviewer, f.Approver.UserID, testPassword), writ.EFORBIDDEN)
	check(t, f.Store.SetPassword(ctx, f.Reviewer, f.Reviewer.UserID, testPassword))
	wantCode(t, f.Store.SetPassword(ctx, writ.System(), 999999, testPassword), writ.ENOTFOUND)
	wantCode(t, f.Store.SetTOTP(ctx, f.Reviewer, f.Reviewer.UserID, "JBSWY3DPEHPK3PXPJBSW"), writ.EFORBIDDEN)
	wantCode(t, f.Store.SetTOTP(ctx, writ.System(), f.Reviewer.UserID, "not base32!"), writ.EINVALID, "secret")
	var hash string
	check(t, raw(f.Store, `SELECT password_hash FROM users WHERE id = ?`, &hash, f.Reviewer.UserID))
	if len(hash) < 40 || hash[:10] != "$argon2id$" {
		t.Fatalf("the password is stored as %q, want an argon2id hash", hash)
	}
	accounts, err := f.Store.Users(ctx, f.Admin)
	check(t, err)
	for _, a := range accounts {
		if a.ID == f.Reviewer.UserID && !a.HasPassword {
			t.Fatal("Users does not say the reviewer has a password")
		}
	}
	_, err = f.Store.Users(ctx, f.AgencyUserUS)
	wantCode(t, err, writ.EFORBIDDEN)
}

func testAgencyReply(t *testing.T, f *Fixture, raw Raw) {
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

func testDeadlines(t *testing.T, f *Fixture, raw Raw) {
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
