package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// stay sends the request without following the redirect that answers it
// and returns where the redirect points.
func (b *browser) stay(method, path string, form url.Values) string {
	b.t.Helper()
	b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	defer func() { b.c.CheckRedirect = nil }()
	if method == "GET" {
		b.get(path)
	} else {
		b.post(path, form)
	}
	if b.resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("%s %s: status %d, want 303\n%s", method, path, b.resp.StatusCode, visibleText(b.page))
	}
	return b.resp.Header.Get("Location")
}

// offSite are values of next that browsers would follow to another site:
// they drop tabs and line breaks from a URL and read a backslash as a
// slash, so each of these is //evil.example to them.
var offSite = []string{"/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\\evil.example", "/\t\\evil.example",
	"//evil.example", "https://evil.example/", "/ /evil.example", "\t//evil.example", "/\u2028/evil.example"}

// Neither the sign-in page, its form (with the hidden next) nor the code
// step sends anyone off the site, whatever next says.
func TestSignInNeverRedirectsOffSite(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	email := s.email(t, s.Reviewer)
	for _, next := range offSite {
		b := s.browser(t)
		// The raw query as the finding sent it: /signin?next=/%09/evil.example.
		b.get("/signin?next="+url.QueryEscape(next)).want(200, "/signin")
		if strings.Contains(b.page, "evil.example") {
			t.Fatalf("next=%q: the form carries it on", next)
		}
		loc := b.stay("POST", "/signin", url.Values{"email": {email}, "password": {password}, "next": {next}})
		u, err := url.Parse(loc)
		if err != nil || u.Path != "/signin/code" || u.Query().Get("next") != "/" {
			t.Fatalf("next=%q: the password step leads to %q", next, loc)
		}
		b.get(loc).want(200, "/signin/code")
		if loc := b.stay("POST", "/signin/code", url.Values{"code": {s.code(t, email)}, "next": {next}}); loc != "/" {
			t.Fatalf("next=%q: the code step leads to %q", next, loc)
		}
		s.Clock.Advance(30 * time.Second)
		// Signed in, the sign-in page sends on to next at once.
		if loc := b.stay("GET", "/signin?next="+url.QueryEscape(next), nil); loc != "/" {
			t.Fatalf("next=%q: a signed-in visit to /signin leads to %q", next, loc)
		}
	}
	// A path on this site is kept, with its query.
	b := s.browser(t).signIn(s.Reviewer)
	if loc := b.stay("GET", "/signin?next="+url.QueryEscape("/queue?state=in_review"), nil); loc != "/queue?state=in_review" {
		t.Fatalf("a local next leads to %q", loc)
	}
}
