package identity_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"writ"
	"writ/identity"
)

const testPassword = "correct horse battery staple"

// credentials gives a fixture user a password and, when asked, a TOTP
// secret, and returns the address and the secret.
func credentials(t *testing.T, f *fixture, a writ.Actor, totp bool) (string, string) {
	t.Helper()
	check(t, f.Identity.SetPassword(ctx, writ.System(), a.UserID, testPassword))
	u, err := f.Store.User(ctx, a.UserID)
	check(t, err)
	secret := ""
	if totp {
		secret, err = identity.NewTOTPSecret()
		check(t, err)
		check(t, f.Identity.SetTOTP(ctx, writ.System(), a.UserID, secret))
	}
	return u.Email, secret
}

func testPasswordThenCode(t *testing.T, f *fixture) {
	email, secret := credentials(t, f, f.Reviewer, true)
	in, err := f.Identity.PasswordSignIn(ctx, email, testPassword, "192.0.2.1")
	check(t, err)
	if in.Session.Stage != identity.StageSecondFactor {
		t.Fatalf("a reviewer's password alone gives stage %s", in.Session.Stage)
	}
	if _, err := f.Identity.SessionByToken(ctx, in.Token); err != nil {
		t.Fatal(err)
	}
	_, err = f.Identity.SecondFactorSignIn(ctx, in.Token, "123456", "192.0.2.1")
	if code, _ := identity.TOTPCode(secret, f.Clock.Now()); code == "123456" {
		t.Skip("the random secret's code is 123456")
	}
	wantCode(t, err, writ.EUNAUTHORIZED)
	code, err := identity.TOTPCode(secret, f.Clock.Now())
	check(t, err)
	full, err := f.Identity.SecondFactorSignIn(ctx, in.Token, code, "192.0.2.1")
	check(t, err)
	if full.Token == in.Token || full.Session.Stage != identity.StageSignedIn {
		t.Fatal("the second factor must give a new, signed-in session")
	}
	// The half-way token is worth nothing now.
	_, err = f.Identity.SessionByToken(ctx, in.Token)
	wantCode(t, err, writ.EUNAUTHORIZED)
	sess, err := f.Identity.SessionByToken(ctx, full.Token)
	check(t, err)
	if sess.User.ID != f.Reviewer.UserID || sess.CSRF == "" {
		t.Fatalf("session %+v", sess)
	}
	// The same code cannot sign in twice; the code of 30 seconds earlier
	// (within the skew) is before the step used and refused too.
	again, err := f.Identity.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	_, err = f.Identity.SecondFactorSignIn(ctx, again.Token, code, "")
	wantCode(t, err, writ.EUNAUTHORIZED)
	f.Clock.Advance(30 * time.Second)
	next, err := identity.TOTPCode(secret, f.Clock.Now())
	check(t, err)
	again, err = f.Identity.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	_, err = f.Identity.SecondFactorSignIn(ctx, again.Token, next, "")
	check(t, err)
	// Agency users give a second factor too.
	agencyEmail, _ := credentials(t, f, f.AgencyUserUS, true)
	in, err = f.Identity.PasswordSignIn(ctx, agencyEmail, testPassword, "")
	check(t, err)
	if in.Session.Stage != identity.StageSecondFactor {
		t.Fatal("an agency user's password alone must not sign in")
	}
	// The address is matched whatever its case.
	if _, err := f.Identity.PasswordSignIn(ctx, " DAN@Sheriff.Example.GOV ", testPassword, ""); err != nil {
		t.Fatal(err)
	}
}

// signInEvents are the kinds of the events about sign-ins, in order.
func signInEvents(t *testing.T, f *fixture) []string {
	t.Helper()
	var kinds []string
	var n int64
	check(t, f.raw.Query(`SELECT count(*) FROM events`, &n))
	for i := int64(1); i <= n; i++ {
		var kind string
		if err := f.raw.Query(`SELECT kind FROM events WHERE id = $1`, &kind, i); err != nil {
			continue
		}
		if kind == "signin.failed" || kind == "signin.succeeded" || kind == "signout" {
			kinds = append(kinds, kind)
		}
	}
	return kinds
}

func testSignInEvents(t *testing.T, f *fixture) {
	email, _ := credentials(t, f, f.CustomerUserConsumer, false)
	_, err := f.Identity.PasswordSignIn(ctx, email, "wrong password", "198.51.100.7")
	wantCode(t, err, writ.EUNAUTHORIZED)
	_, err = f.Identity.PasswordSignIn(ctx, "nobody@nowhere.example", testPassword, "198.51.100.7")
	wantCode(t, err, writ.EUNAUTHORIZED)
	in, err := f.Identity.PasswordSignIn(ctx, email, testPassword, "198.51.100.7")
	check(t, err)
	check(t, f.Identity.SignOut(ctx, in.Token))
	got := signInEvents(t, f)
	want := []string{"signin.failed", "signin.failed", "signin.succeeded", "signout"}
	if !slices.Equal(got, want) {
		t.Fatalf("sign-in events %v, want %v", got, want)
	}
	// Each is in the audit log: it has a log index.
	var indexed int64
	check(t, f.raw.Query(`SELECT count(*) FROM events WHERE kind LIKE 'sign%' AND log_index IS NOT NULL`, &indexed))
	if indexed != 4 {
		t.Fatalf("%d sign-in events in the audit log, want 4", indexed)
	}
}

func testThrottle(t *testing.T, f *fixture) {
	email, secret := credentials(t, f, f.Approver, true)
	free := identity.AccountThrottle().Free
	for range free - 1 {
		_, err := f.Identity.PasswordSignIn(ctx, email, "wrong password", "192.0.2.10")
		wantCode(t, err, writ.EUNAUTHORIZED)
	}
	// A wrong code counts as much as a wrong password.
	in, err := f.Identity.PasswordSignIn(ctx, email, testPassword, "192.0.2.10")
	check(t, err)
	if c, _ := identity.TOTPCode(secret, f.Clock.Now()); c == "000000" {
		t.Skip("the random secret's code is 000000")
	}
	_, err = f.Identity.SecondFactorSignIn(ctx, in.Token, "000000", "192.0.2.10")
	wantCode(t, err, writ.EUNAUTHORIZED)
	// The account waits now, even with the right password and from
	// another address: two seconds, not a lock.
	_, err = f.Identity.PasswordSignIn(ctx, email, testPassword, "198.51.100.20")
	wantCode(t, err, writ.ETOOMANY)
	if !strings.Contains(writ.ErrorMessage(err), "try again in 2 seconds") {
		t.Fatalf("message %q", writ.ErrorMessage(err))
	}
	f.Clock.Advance(2 * time.Second)
	// Each further failure doubles the wait, up to its ceiling.
	_, err = f.Identity.PasswordSignIn(ctx, email, "wrong password", "192.0.2.10")
	wantCode(t, err, writ.EUNAUTHORIZED)
	_, err = f.Identity.PasswordSignIn(ctx, email, testPassword, "192.0.2.10")
	wantCode(t, err, writ.ETOOMANY)
	f.Clock.Advance(3 * time.Second)
	_, err = f.Identity.PasswordSignIn(ctx, email, testPassword, "192.0.2.10")
	wantCode(t, err, writ.ETOOMANY)
	f.Clock.Advance(time.Second)
	in, err = f.Identity.PasswordSignIn(ctx, email, testPassword, "192.0.2.10")
	check(t, err)
	// A right password alone does not clear the count (or codes could be
	// guessed between right passwords): the next wrong code waits longer.
	_, err = f.Identity.SecondFactorSignIn(ctx, in.Token, "000000", "192.0.2.10")
	wantCode(t, err, writ.EUNAUTHORIZED)
	_, err = f.Identity.PasswordSignIn(ctx, email, testPassword, "192.0.2.10")
	wantCode(t, err, writ.ETOOMANY)
	if !strings.Contains(writ.ErrorMessage(err), "try again in 8 seconds") {
		t.Fatalf("message %q", writ.ErrorMessage(err))
	}
	// A complete sign-in does: the account starts afresh.
	f.Clock.Advance(8 * time.Second)
	in, err = f.Identity.PasswordSignIn(ctx, email, testPassword, "192.0.2.10")
	check(t, err)
	code, _ := identity.TOTPCode(secret, f.Clock.Now())
	_, err = f.Identity.SecondFactorSignIn(ctx, in.Token, code, "192.0.2.10")
	check(t, err)
	for range free - 1 {
		_, err := f.Identity.PasswordSignIn(ctx, email, "wrong password", "192.0.2.11")
		wantCode(t, err, writ.EUNAUTHORIZED)
	}
	_, err = f.Identity.PasswordSignIn(ctx, email, testPassword, "192.0.2.11")
	check(t, err)
	// A stranger who keeps failing on an account holds its owner back by
	// two minutes at the most.
	for range 12 {
		f.Identity.PasswordSignIn(ctx, email, "wrong password", "203.0.113.5")
		f.Clock.Advance(3 * time.Minute)
	}
	_, err = f.Identity.PasswordSignIn(ctx, email, "wrong password", "203.0.113.6")
	wantCode(t, err, writ.EUNAUTHORIZED)
	f.Clock.Advance(identity.AccountThrottle().Max)
	_, err = f.Identity.PasswordSignIn(ctx, email, testPassword, "192.0.2.10")
	check(t, err)
	// Failures on other accounts do not slow this one; one address trying
	// many accounts is throttled by its own count.
	other, _ := credentials(t, f, f.AgencyUserDE, false)
	for i := range identity.AddressThrottle().Free {
		_, err := f.Identity.PasswordSignIn(ctx, fmt.Sprintf("someone%d@else.example", i), "x", "198.51.100.99")
		wantCode(t, err, writ.EUNAUTHORIZED)
	}
	_, err = f.Identity.PasswordSignIn(ctx, "one-more@else.example", "x", "198.51.100.99")
	wantCode(t, err, writ.ETOOMANY)
	if !strings.Contains(writ.ErrorMessage(err), "your address") {
		t.Fatalf("message %q", writ.ErrorMessage(err))
	}
	_, err = f.Identity.PasswordSignIn(ctx, other, testPassword, "192.0.2.10")
	check(t, err)
}

// Forty attempts at once on one account, on either database, check no
// more passwords than the throttle allows: the rest are refused unchecked,
// by the throttle or, while the hashing slots are taken, for want of one.
func testParallelSignIns(t *testing.T, f *fixture) {
	email, _ := credentials(t, f, f.Reviewer, true)
	before := countEvents(t, f, "signin.failed")
	var wg sync.WaitGroup
	codes := make([]string, 40)
	for i := range codes {
		wg.Go(func() {
			_, err := f.Identity.PasswordSignIn(ctx, email, "wrong password", fmt.Sprintf("192.0.2.%d", 100+i))
			codes[i] = writ.ErrorCode(err)
		})
	}
	wg.Wait()
	checked := countEvents(t, f, "signin.failed") - before
	wrong, throttled, busy := 0, 0, 0
	for _, c := range codes {
		switch c {
		case writ.EUNAUTHORIZED:
			wrong++
		case writ.ETOOMANY:
			throttled++
		case writ.EUNAVAILABLE:
			busy++
		default:
			t.Fatalf("an attempt answered %q", c)
		}
	}
	free := int64(identity.AccountThrottle().Free)
	if int64(wrong) != checked || checked > free || busy == 0 && checked != free || wrong+throttled+busy != 40 {
		t.Fatalf("%d passwords checked (%d failure events), %d throttled, %d refused for want of a slot; want %d checked", wrong, checked, throttled, busy, free)
	}
}

// countEvents counts the events of a kind.
func countEvents(t *testing.T, f *fixture, kind string) int64 {
	t.Helper()
	var n int64
	check(t, f.raw.Query(`SELECT count(*) FROM events WHERE kind = $1`, &n, kind))
	return n
}

// A failed sign-in is in the audit log in writ's words: the account's
// stored address or a digest of what was typed, a parsed client address,
// a reason from a fixed list; never a stranger's text.
func testFailedSignInsAreBounded(t *testing.T, f *fixture) {
	email, _ := credentials(t, f, f.CustomerUserConsumer, false)
	junk := "<script>alert(1)</script>\r\nforged: entry " + strings.Repeat("x", 5000) + "@evil.example"
	_, err := f.Identity.PasswordSignIn(ctx, junk, "x", "not an address <b>")
	wantCode(t, err, writ.EUNAUTHORIZED)
	_, err = f.Identity.PasswordSignIn(ctx, strings.ToUpper(email), "wrong password", "2001:db8::1")
	wantCode(t, err, writ.EUNAUTHORIZED)
	var n int64
	check(t, f.raw.Query(`SELECT count(*) FROM events WHERE kind = 'signin.failed' AND (data LIKE '%script%' OR data LIKE '%evil%' OR actor LIKE '%evil%' OR length(data) > 200)`, &n))
	if n != 0 {
		t.Fatalf("%d failure events carry the stranger's text", n)
	}
	var data string
	check(t, f.raw.Query(`SELECT data FROM events WHERE kind = 'signin.failed' ORDER BY id DESC LIMIT 1`, &data))
	if !strings.Contains(data, `"from":"2001:db8::1"`) || !strings.Contains(data, `"reason":"password"`) || !strings.Contains(data, `"user_id"`) {
		t.Fatalf("the failure event %s", data)
	}
	check(t, f.raw.Query(`SELECT data FROM events WHERE kind = 'signin.failed' ORDER BY id LIMIT 1`, &data))
	if !strings.Contains(data, `"from":"unknown"`) || !strings.Contains(data, `"account_sha256"`) {
		t.Fatalf("the unknown account's failure event %s", data)
	}
}

func testSessionExpiry(t *testing.T, f *fixture) {
	email, _ := credentials(t, f, f.CustomerUserConsumer, false)
	in, err := f.Identity.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	f.Clock.Advance(identity.IdleTimeout - time.Minute)
	_, err = f.Identity.SessionByToken(ctx, in.Token)
	check(t, err)
	f.Clock.Advance(identity.IdleTimeout - time.Minute)
	_, err = f.Identity.SessionByToken(ctx, in.Token)
	check(t, err)
	f.Clock.Advance(identity.IdleTimeout)
	_, err = f.Identity.SessionByToken(ctx, in.Token)
	wantCode(t, err, writ.EUNAUTHORIZED)

	in, err = f.Identity.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	for elapsed := time.Duration(0); elapsed < identity.AbsoluteTimeout-20*time.Minute; elapsed += 20 * time.Minute {
		f.Clock.Advance(20 * time.Minute)
		_, err = f.Identity.SessionByToken(ctx, in.Token)
		check(t, err)
	}
	f.Clock.Advance(20 * time.Minute)
	_, err = f.Identity.SessionByToken(ctx, in.Token)
	wantCode(t, err, writ.EUNAUTHORIZED)

	in, err = f.Identity.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	check(t, f.Identity.SignOut(ctx, in.Token))
	_, err = f.Identity.SessionByToken(ctx, in.Token)
	wantCode(t, err, writ.EUNAUTHORIZED)
	// A new password ends every session.
	in, err = f.Identity.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	check(t, f.Identity.SetPassword(ctx, f.CustomerUserConsumer, f.CustomerUserConsumer.UserID, "a brand new password"))
	_, err = f.Identity.SessionByToken(ctx, in.Token)
	wantCode(t, err, writ.EUNAUTHORIZED)
	// Sessions are kept only as hashes.
	var n int64
	check(t, f.raw.Query(`SELECT count(*) FROM sessions WHERE hash = $1`, &n, in.Token))
	if n != 0 {
		t.Fatal("a session token is stored as it is")
	}
}

func testSecondFactorRequired(t *testing.T, f *fixture) {
	// The legal team, auditors and agency users without a second factor
	// get only as far as enrolling one.
	for _, a := range []writ.Actor{f.Admin, f.Reviewer, f.Approver, f.Auditor, f.AgencyUserUS} {
		email, _ := credentials(t, f, a, false)
		in, err := f.Identity.PasswordSignIn(ctx, email, testPassword, "")
		check(t, err)
		if in.Session.Stage != identity.StageSecondFactor || in.Session.HasSecondFactor {
			t.Fatalf("%s: a password alone gives stage %s (second factor %v)", a.Role, in.Session.Stage, in.Session.HasSecondFactor)
		}
		_, err = f.Identity.SecondFactorSignIn(ctx, in.Token, "123456", "")
		wantCode(t, err, writ.ECONFLICT)
	}
	// A customer user who enrolled one gives it too; one who did not signs
	// in with the password.
	email, _ := credentials(t, f, f.CustomerUserEnterprise, true)
	in, err := f.Identity.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	if in.Session.Stage != identity.StageSecondFactor || !in.Session.HasSecondFactor {
		t.Fatal("a customer user with a second factor must give it")
	}
	email, _ = credentials(t, f, f.CustomerUserConsumer, false)
	if in, err = f.Identity.PasswordSignIn(ctx, email, testPassword, ""); err != nil || in.Session.Stage != identity.StageSignedIn {
		t.Fatalf("a customer user without a second factor: %v %s", err, in.Session.Stage)
	}
	// An agency user waiting for confirmation cannot sign in.
	u, err := f.Identity.CreateUser(ctx, writ.System(), identity.UserInput{Name: "New", Email: "new@sheriff.example.gov", Role: writ.RoleAgency, AgencyID: &f.AgencyUS.ID})
	check(t, err)
	check(t, f.Identity.SetPassword(ctx, writ.System(), u.ID, testPassword))
	_, err = f.Identity.PasswordSignIn(ctx, u.Email, testPassword, "")
	wantCode(t, err, writ.EUNAUTHORIZED)
}

// A user without a second factor enrols one at sign-in: the secret is
// kept with the session until a code confirms it; then the user is
// signed in and holds ten recovery codes, each good once instead of a
// code. Replacing it later takes a code of the old one.
func testEnrolment(t *testing.T, f *fixture) {
	email, _ := credentials(t, f, f.AgencyUserUS, false)
	in, err := f.Identity.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	secret, err := f.Identity.PendingTOTP(ctx, in.Token)
	check(t, err)
	if again, _ := f.Identity.PendingTOTP(ctx, in.Token); again != secret {
		t.Fatal("reloading the enrolment gives another secret")
	}
	var stored string
	check(t, f.raw.Query(`SELECT pending_totp FROM sessions WHERE user_id = $1`, &stored, f.AgencyUserUS.UserID))
	if strings.Contains(stored, secret) || !strings.HasPrefix(stored, "sealed:v1:") {
		t.Fatalf("the pending secret is stored as %q", stored)
	}
	_, _, err = f.Identity.EnrolTOTP(ctx, in.Token, "000000", "", "")
	if c, _ := identity.TOTPCode(secret, f.Clock.Now()); c == "000000" {
		t.Skip("the random secret's code is 000000")
	}
	wantCode(t, err, writ.EINVALID, "code")
	code, err := identity.TOTPCode(secret, f.Clock.Now())
	check(t, err)
	full, recovery, err := f.Identity.EnrolTOTP(ctx, in.Token, code, "", "")
	check(t, err)
	if full.Session.Stage != identity.StageSignedIn || len(recovery) != identity.RecoveryCodes {
		t.Fatalf("enrolment gave stage %s and %d recovery codes", full.Session.Stage, len(recovery))
	}
	if _, err := f.Identity.SessionByToken(ctx, in.Token); writ.ErrorCode(err) != writ.EUNAUTHORIZED {
		t.Fatal("the half-way session outlives the enrolment")
	}
	sf, err := f.Store.SecondFactorOf(ctx, f.AgencyUserUS.UserID)
	check(t, err)
	if !sf.Enrolled || sf.RecoveryCodes != identity.RecoveryCodes {
		t.Fatalf("second factor %+v", sf)
	}
	// A recovery code signs in once, in place of a code.
	again, err := f.Identity.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	if !again.Session.HasSecondFactor {
		t.Fatal("the enrolled user is asked to enrol again")
	}
	_, err = f.Identity.SecondFactorSignIn(ctx, again.Token, strings.ToUpper(recovery[3]), "")
	check(t, err)
	again, err = f.Identity.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	_, err = f.Identity.SecondFactorSignIn(ctx, again.Token, recovery[3], "")
	wantCode(t, err, writ.EUNAUTHORIZED)
	// Replacing the second factor takes a code of the current one.
	f.Clock.Advance(30 * time.Second)
	next, err := f.Identity.PendingTOTP(ctx, full.Token)
	check(t, err)
	newCode, _ := identity.TOTPCode(next, f.Clock.Now())
	_, _, err = f.Identity.EnrolTOTP(ctx, full.Token, newCode, "", "")
	wantCode(t, err, writ.EINVALID, "current_code")
	oldCode, _ := identity.TOTPCode(secret, f.Clock.Now())
	_, codes, err := f.Identity.EnrolTOTP(ctx, full.Token, newCode, oldCode, "")
	check(t, err)
	// The old recovery codes ended with the old second factor.
	again, err = f.Identity.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	_, err = f.Identity.SecondFactorSignIn(ctx, again.Token, recovery[4], "")
	wantCode(t, err, writ.EUNAUTHORIZED)
	_, err = f.Identity.SecondFactorSignIn(ctx, again.Token, codes[0], "")
	check(t, err)
	// Recovery codes are kept as hashes only.
	var n int64
	check(t, f.raw.Query(`SELECT count(*) FROM recovery_codes WHERE hash = $1 OR hash = $2`, &n, codes[1], strings.ReplaceAll(codes[1], "-", "")))
	if n != 0 {
		t.Fatal("a recovery code is stored as it is")
	}
}

func testPasswordRules(t *testing.T, f *fixture) {
	wantCode(t, f.Identity.SetPassword(ctx, writ.System(), f.Reviewer.UserID, "short"), writ.EINVALID, "password")
	wantCode(t, f.Identity.SetPassword(ctx, f.Reviewer, f.Approver.UserID, testPassword), writ.EFORBIDDEN)
	check(t, f.Identity.SetPassword(ctx, f.Reviewer, f.Reviewer.UserID, testPassword))
	wantCode(t, f.Identity.SetPassword(ctx, writ.System(), 999999, testPassword), writ.ENOTFOUND)
	wantCode(t, f.Identity.SetTOTP(ctx, f.Reviewer, f.Reviewer.UserID, "JBSWY3DPEHPK3PXPJBSW"), writ.EFORBIDDEN)
	wantCode(t, f.Identity.SetTOTP(ctx, writ.System(), f.Reviewer.UserID, "not base32!"), writ.EINVALID, "secret")
	var hash string
	check(t, f.raw.Query(`SELECT password_hash FROM users WHERE id = $1`, &hash, f.Reviewer.UserID))
	if len(hash) < 40 || hash[:10] != "$argon2id$" {
		t.Fatalf("the password is stored as %q, want an argon2id hash", hash)
	}
	accounts, err := f.Identity.Users(ctx, f.Admin)
	check(t, err)
	for _, a := range accounts {
		if a.ID == f.Reviewer.UserID && !a.HasPassword {
			t.Fatal("Users does not say the reviewer has a password")
		}
	}
	_, err = f.Identity.Users(ctx, f.AgencyUserUS)
	wantCode(t, err, writ.EFORBIDDEN)
}
