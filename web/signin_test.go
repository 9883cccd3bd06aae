package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"writ/identity"
	"writ/web"
)

// The legal team signs in with password and code; a wrong password, a
// wrong code and a replayed code are refused with a clear message.
func TestSignInWithPasswordAndCode(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	email := s.email(t, s.Reviewer)
	b := s.browser(t)
	b.get("/queue").want(200, "/signin", "Sign in")
	b.post("/signin", url.Values{"email": {email}, "password": {"wrong password!"}, "next": {"/queue"}})
	b.want(http.StatusUnauthorized, "/signin", "wrong e-mail address or password")
	b.post("/signin", url.Values{"email": {"nobody@provider.example"}, "password": {password}})
	b.want(http.StatusUnauthorized, "/signin", "wrong e-mail address or password")
	b.post("/signin", url.Values{"email": {email}, "password": {password}, "next": {"/calendar"}})
	b.want(200, "/signin/code", "authenticator app")
	// Half signed in is not signed in.
	b.get("/queue").want(200, "/signin")
	b.get("/signin/code?next=/calendar")
	b.post("/signin/code", url.Values{"code": {"000000"}, "next": {"/calendar"}})
	b.want(http.StatusUnauthorized, "/signin/code", "wrong or already used code")
	code := s.code(t, email)
	b.post("/signin/code", url.Values{"code": {code}, "next": {"/calendar"}})
	b.want(200, "/calendar", "Signed in as Rhea")

	// The same code cannot be used again, in another browser.
	other := s.browser(t)
	other.get("/signin").post("/signin", url.Values{"email": {email}, "password": {password}})
	other.want(200, "/signin/code")
	other.post("/signin/code", url.Values{"code": {code}})
	other.want(http.StatusUnauthorized, "/signin/code", "wrong or already used code")

	// An open redirect is not possible through next.
	s.Clock.Advance(30 * time.Second)
	third := s.browser(t)
	third.get("/signin").post("/signin", url.Values{"email": {email}, "password": {password}, "next": {"//evil.example/"}})
	third.post("/signin/code", url.Values{"code": {s.code(t, email)}, "next": {"//evil.example/"}})
	third.want(200, "/home")
}

// Customer users sign in with a password alone; agency users give a code
// too.
func TestAgencyAndCustomerSignIn(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	s.browser(t).signIn(s.AgencyUserUS).want(200, "/agency")
	s.browser(t).signIn(s.CustomerUserEnterprise).want(200, "/customer")
	b := s.browser(t)
	b.get("/signin").post("/signin", url.Values{"email": {s.email(t, s.AgencyUserDE)}, "password": {password}})
	b.want(200, "/signin/code", "authenticator app")
}

// Five failures make the account wait, with a message that says how long;
// the wait ends by itself and grows with each further failure, up to two
// minutes, never a lock of a quarter of an hour.
func TestRepeatedFailuresSlowTheAccount(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	email := s.email(t, s.CustomerUserConsumer)
	b := s.browser(t)
	b.get("/signin")
	for range identity.AccountThrottle().Free {
		b.post("/signin", url.Values{"email": {email}, "password": {"guess guess guess"}})
		b.want(http.StatusUnauthorized, "/signin")
	}
	b.post("/signin", url.Values{"email": {email}, "password": {password}})
	b.want(http.StatusTooManyRequests, "/signin", "too many failed sign-ins", "try again in 2 seconds")
	if got := b.resp.Header.Get("Retry-After"); got != "2" {
		t.Fatalf("a throttled sign-in answers Retry-After %q, want 2", got)
	}
	s.Clock.Advance(2 * time.Second)
	b.post("/signin", url.Values{"email": {email}, "password": {password}})
	b.want(200, "/customer", "Signed in as")
}

// The session cookie is HttpOnly and SameSite, for the whole site only,
// and Secure (with the __Host- prefix) when served over TLS; the session
// ends after 30 minutes without a request.
func TestSessionCookieAndExpiry(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser(t)
	b.get("/signin")
	req, _ := http.NewRequest("POST", s.srv.URL+"/signin", strings.NewReader(url.Values{"email": {s.email(t, s.AgencyUserUS)},
		"password": {password}, "csrf": {b.token()}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range b.c.Jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "writ_session" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" || session.Domain != "" {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/, host-only", session)
	}

	b.signIn(s.AgencyUserUS)
	s.Clock.Advance(identity.IdleTimeout)
	b.get("/agency").want(200, "/signin")

	app, err := web.New(web.Options{Store: s.Store, Identity: s.Identity, Now: s.Clock.Now, Secure: true})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptestRecorder(app, "GET", "/signin")
	if got := rec.Header().Get("Set-Cookie"); !strings.HasPrefix(got, "__Host-writ_pre=") || !strings.Contains(got, "Secure") {
		t.Fatalf("over TLS the cookie is %q, want __Host- and Secure", got)
	}
	if rec.Header().Get("Strict-Transport-Security") == "" {
		t.Fatal("over TLS pages need Strict-Transport-Security")
	}
}

// A session ends after 12 hours, however busy.
func TestSessionEndsAfterTwelveHours(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser(t).signIn(s.CustomerUserConsumer)
	for elapsed := time.Duration(0); elapsed < identity.AbsoluteTimeout-time.Hour; elapsed += 20 * time.Minute {
		s.Clock.Advance(20 * time.Minute)
		b.get("/customer").want(200, "/customer")
	}
	s.Clock.Advance(time.Hour)
	b.get("/customer").want(200, "/signin")
}

// A form without the page's token, with another session's token, or sent
// from another site is refused, and changes nothing.
func TestFormsNeedTheirToken(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	agency := s.browser(t).signIn(s.AgencyUserUS)
	other := s.browser(t).signIn(s.AgencyUserDE)
	agency.get("/agency/new")
	form := url.Values{"key": {"x"}, "instrument": {"us_subpoena"}, "issued_by": {"prosecutor"}, "accounts": {"joe@mail.example"}}
	agency.postFile("/agency/demands", url.Values{"csrf": {"forged"}, "key": form["key"], "instrument": form["instrument"],
		"issued_by": form["issued_by"], "accounts": form["accounts"]}, "document", "", nil)
	agency.want(http.StatusForbidden, "", "EFORBIDDEN", "did not come from writ")
	agency.postFile("/agency/demands", url.Values{"csrf": {other.token()}, "key": form["key"], "instrument": form["instrument"],
		"issued_by": form["issued_by"], "accounts": form["accounts"]}, "document", "", nil)
	agency.want(http.StatusForbidden, "", "did not come from writ")

	req, _ := http.NewRequest("POST", s.srv.URL+"/signout", strings.NewReader(url.Values{"csrf": {agency.token()}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	agency.do(req).want(http.StatusForbidden, "", "did not come from writ")
	agency.get("/agency").want(200, "/agency", "You have not submitted a demand yet")

	// Before sign-in the token is tied to the browser's own cookie.
	anon := s.browser(t)
	anon.get("/signin")
	anon.post("/signin", url.Values{"csrf": {"forged"}, "email": {"dan@sheriff.example.gov"}, "password": {password}})
	anon.want(http.StatusForbidden, "", "did not come from writ")
}

// While a flood of sign-ins takes the hashing slot (one, on two
// processors), an attempt that waits in vain for it is answered at once
// with the sign-in form, a label saying writ is busy for a moment, and
// when to try again.
func TestSignInFloodIsRefusedWithRetryAfter(t *testing.T) {
	t.Parallel()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	s := newSite(t)
	page := s.browser(t).get("/signin")
	token := page.token()
	var mu sync.Mutex
	var busy []*http.Response
	var bodies []string
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			form := url.Values{"csrf": {token}, "email": {fmt.Sprintf("flood-%d@attacker.example", i)}, "password": {"not the password"}}
			req, _ := http.NewRequest("POST", s.srv.URL+"/signin", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := page.c.Do(req)
			if err != nil {
				return
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusServiceUnavailable {
				mu.Lock()
				busy, bodies = append(busy, res), append(bodies, string(body))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(busy) == 0 {
		t.Fatal("30 sign-ins at once on one hashing slot, none refused")
	}
	if got := busy[0].Header.Get("Retry-After"); got != "1" {
		t.Fatalf("a refused sign-in answers Retry-After %q, want 1", got)
	}
	for _, want := range []string{"Unavailable for a moment", "too many sign-ins at once", `name="password"`} {
		if !strings.Contains(bodies[0], want) {
			t.Fatalf("the refusal's page lacks %q:\n%s", want, bodies[0])
		}
	}
}
