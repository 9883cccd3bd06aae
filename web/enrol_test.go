package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/identity"
)

var (
	keyField      = regexp.MustCompile(`id="totp-key">([A-Z2-7 ]+)<`)
	recoveryField = regexp.MustCompile(`<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code></li>`)
)

// key is the secret the set-up page shows.
func (b *browser) key() string {
	b.t.Helper()
	m := keyField.FindStringSubmatch(b.page)
	if m == nil {
		b.t.Fatalf("the page shows no key:\n%s", visibleText(b.page))
	}
	return strings.ReplaceAll(m[1], " ", "")
}

func totp(t *testing.T, secret string, now time.Time) string {
	t.Helper()
	c, err := identity.TOTPCode(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// An agency user and a reviewer with a password but no second factor
// reach no demand, page or document: the password leads only to setting
// up an authenticator app, in the pages, with recovery codes; then they
// are signed in, and every later sign-in asks for a code.
func TestEveryoneWhoSeesDemandsHasASecondFactor(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	d, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, writ.DemandInput{Reference: "TWO-1", Instrument: "us_search_warrant",
		IssuedBy: "judge", DataCategories: []string{"content"}, Accounts: []string{"joe@mail.example"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []writ.Actor{s.AgencyUserUS, s.Reviewer} {
		if err := s.Identity.SetTOTP(ctx, writ.System(), a.UserID, ""); err != nil {
			t.Fatal(err)
		}
		email := s.email(t, a)
		b := s.browser(t)
		b.get("/signin?next="+url.QueryEscape(demandPath(d.ID))).post("/signin", url.Values{"email": {email}, "password": {password}, "next": {demandPath(d.ID)}})
		b.want(200, "/signin/enrol", "Set up your authenticator app", "nothing else opens")
		// Half signed in, nothing opens: pages send to the sign-in, and a
		// code cannot be given for a second factor that does not exist.
		for _, path := range []string{demandPath(d.ID), "/agency", "/queue", "/account", demandPath(d.ID) + "/documents/x"} {
			b.get(path).want(200, "/signin")
			if strings.Contains(b.page, "TWO-1") {
				t.Fatalf("%s: the page shows the demand", path)
			}
		}
		b.get("/signin/code").want(200, "/signin/enrol")
		secret := b.key()
		b.post("/signin/enrol", url.Values{"code": {"00000"}, "next": {demandPath(d.ID)}})
		b.want(http.StatusBadRequest, "/signin/enrol", "the code does not match")
		if b.key() != secret {
			t.Fatal("a failed confirmation changed the key")
		}
		b.post("/signin/enrol", url.Values{"code": {totp(t, secret, s.Clock.Now())}, "next": {demandPath(d.ID)}})
		b.want(200, "/signin/enrol", "Your recovery codes", "Signed in as "+a.Name)
		codes := recoveryField.FindAllStringSubmatch(b.page, -1)
		if len(codes) != identity.RecoveryCodes {
			t.Fatalf("%d recovery codes shown, want %d", len(codes), identity.RecoveryCodes)
		}
		b.get(demandPath(d.ID)).want(200, demandPath(d.ID), "TWO-1")
		b.get("/account").want(200, "/account", fmt.Sprintf("%d recovery codes are left", identity.RecoveryCodes))

		// The next sign-in asks for a code; a recovery code does once.
		s.Clock.Advance(30 * time.Second)
		again := s.browser(t)
		again.get("/signin").post("/signin", url.Values{"email": {email}, "password": {password}})
		again.want(200, "/signin/code", "recovery codes")
		again.post("/signin/code", url.Values{"code": {codes[0][1]}})
		again.want(200, "", "Signed in as "+a.Name)
		third := s.browser(t)
		third.get("/signin").post("/signin", url.Values{"email": {email}, "password": {password}})
		third.post("/signin/code", url.Values{"code": {codes[0][1]}})
		third.want(http.StatusUnauthorized, "/signin/code", "wrong or already used code")
		third.post("/signin/code", url.Values{"code": {totp(t, secret, s.Clock.Now())}})
		third.want(200, "", "Signed in as "+a.Name)

		// On the account page: new recovery codes for a code, and a move
		// to a new app that needs a code of the old one.
		s.Clock.Advance(30 * time.Second)
		b.get("/account").post("/account/recovery-codes", url.Values{"code": {totp(t, secret, s.Clock.Now())}})
		b.want(200, "/account/recovery-codes", "Your recovery codes")
		b.get("/account/totp").want(200, "/account/totp", "this replaces the authenticator app")
		newSecret := b.key()
		s.Clock.Advance(30 * time.Second)
		b.post("/account/totp", url.Values{"code": {totp(t, newSecret, s.Clock.Now())}, "current_code": {"123456"}})
		b.want(http.StatusBadRequest, "/account/totp", "give a code of your current authenticator app")
		b.post("/account/totp", url.Values{"code": {totp(t, newSecret, s.Clock.Now())}, "current_code": {totp(t, secret, s.Clock.Now())}})
		b.want(200, "/account/totp", "Your recovery codes", "the old one and its recovery codes no longer work")
	}
}
