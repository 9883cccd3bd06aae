package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/httpapi"
	"writ/identity"
	"writ/store/storetest"
	"writ/web"
)

// site is writ's web application and API over a store with the storetest
// registry, every fixture user with a password, and the legal team and
// auditor with a second factor, served as "writ serve" mounts them.
//
// Every test of the package calls t.Parallel: each has sites of its own
// (store, server, clock) and windows of its own in the shared browser, and
// the package has no other mutable state, so go test runs them two at a
// time; a browser test spends most of its time waiting on the browser.
type site struct {
	*storetest.Fixture
	srv     *httptest.Server
	secrets map[string]string // e-mail → TOTP secret
}

// password is every fixture user's password.
const password = "correct horse battery staple"

// newSite serves a copy of sites.
func newSite(t *testing.T) *site {
	t.Helper()
	f := sites.Fixture(t)
	s := &site{Fixture: f, secrets: maps.Clone(siteSecrets)}
	s.start(t)
	return s
}

// sites is the registry with every user's password and the legal team's
// and the auditor's second factors, made once and copied for each site:
// hashing nine passwords with argon2id at its full cost took most of the
// time of making a site.
var sites = storetest.NewFixtureTemplate(func(t *testing.T, f *storetest.Fixture) {
	ctx := context.Background()
	for _, a := range []writ.Actor{f.Admin, f.Reviewer, f.Approver, f.Approver2, f.Auditor, f.AgencyUserUS, f.AgencyUserDE,
		f.CustomerUserEnterprise, f.CustomerUserConsumer} {
		if err := f.Identity.SetPassword(ctx, writ.System(), a.UserID, password); err != nil {
			t.Fatal(err)
		}
		if identity.NeedsSecondFactor(a.Role) {
			secret, err := identity.NewTOTPSecret()
			if err != nil {
				t.Fatal(err)
			}
			if err := f.Identity.SetTOTP(ctx, writ.System(), a.UserID, secret); err != nil {
				t.Fatal(err)
			}
			u, err := f.Store.User(ctx, a.UserID)
			if err != nil {
				t.Fatal(err)
			}
			siteSecrets[u.Email] = secret
		}
	}
})

// siteSecrets are the TOTP secrets of sites' users (e-mail → secret),
// written once while sites is made.
var siteSecrets = map[string]string{}

// start serves the web application and the API over the site's store.
func (s *site) start(t *testing.T) {
	t.Helper()
	f := s.Fixture
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	app, err := web.New(web.Options{Store: f.Store, Identity: f.Identity, Now: f.Clock.Now, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(httpapi.Options{Store: f.Store, Identity: f.Identity, Rules: f.Store.Rules(), Now: f.Clock.Now, Logger: quiet})
	s.srv = httptest.NewServer(web.Mount(api.Hardened(httpapi.Limits{}, false), app))
	t.Cleanup(s.srv.Close)
}

// email is the address of a fixture user.
func (s *site) email(t *testing.T, a writ.Actor) string {
	t.Helper()
	u, err := s.Store.User(context.Background(), a.UserID)
	if err != nil {
		t.Fatal(err)
	}
	return u.Email
}

// code is the TOTP code of a user now, by the fixture's clock.
func (s *site) code(t *testing.T, email string) string {
	t.Helper()
	c, err := identity.TOTPCode(s.secrets[email], s.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// browser is a person with a browser that has no JavaScript: it follows
// links, posts forms with the token of the last page, and follows the
// redirects that answer them.
type browser struct {
	t    *testing.T
	s    *site
	c    *http.Client
	page string // the body of the last page
	resp *http.Response
}

func (s *site) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, s: s, c: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

func (b *browser) do(req *http.Request) *browser {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	b.resp, b.page = resp, string(body)
	return b
}

// get opens a page.
func (b *browser) get(path string) *browser {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.s.srv.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token is the form token of the last page.
func (b *browser) token() string {
	m := csrfField.FindStringSubmatch(b.page)
	if m == nil {
		b.t.Fatalf("the page has no form token:\n%s", b.page)
	}
	return m[1]
}

// post sends a form as the last page's form would.
func (b *browser) post(path string, form url.Values) *browser {
	b.t.Helper()
	if form.Get("csrf") == "" {
		form.Set("csrf", b.token())
	}
	req, err := http.NewRequest("POST", b.s.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// postFile sends a multipart form with one file.
func (b *browser) postFile(path string, form url.Values, field, name string, content []byte) *browser {
	b.t.Helper()
	if form.Get("csrf") == "" {
		form.Set("csrf", b.token())
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if content != nil {
		fw, err := mw.CreateFormFile(field, name)
		if err != nil {
			b.t.Fatal(err)
		}
		fw.Write(content)
	}
	mw.Close()
	req, err := http.NewRequest("POST", b.s.srv.URL+path, &buf)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// want fails unless the last answer had the status and (after the
// redirects) the path given, and its page contains every text given.
func (b *browser) want(status int, path string, texts ...string) *browser {
	b.t.Helper()
	if b.resp.StatusCode != status {
		b.t.Fatalf("%s: status %d, want %d\n%s", b.resp.Request.URL, b.resp.StatusCode, status, visibleText(b.page))
	}
	if path != "" && b.resp.Request.URL.Path != path {
		b.t.Fatalf("at %s, want %s\n%s", b.resp.Request.URL.Path, path, visibleText(b.page))
	}
	for _, text := range texts {
		if !strings.Contains(b.page, text) {
			b.t.Fatalf("%s: the page lacks %q:\n%s", b.resp.Request.URL, text, visibleText(b.page))
		}
	}
	return b
}

var tags = regexp.MustCompile(`(?s)<[^>]*>|\s{2,}`)

// visibleText is a page without its markup, for failure messages.
func visibleText(page string) string { return tags.ReplaceAllString(page, " ") }

// signIn signs in with the password and, for the legal team, the code.
func (b *browser) signIn(a writ.Actor) *browser {
	b.t.Helper()
	email := b.s.email(b.t, a)
	b.get("/signin").want(200, "/signin")
	b.post("/signin", url.Values{"email": {email}, "password": {password}})
	if identity.NeedsSecondFactor(a.Role) {
		b.want(200, "/signin/code", "authenticator app")
		b.post("/signin/code", url.Values{"code": {b.s.code(b.t, email)}})
		// A code is good once: the next sign-in needs the next one.
		b.s.Clock.Advance(30 * time.Second)
	}
	return b.want(200, "", "Signed in as "+a.Name)
}

// demandPath is the page of a demand.
func demandPath(id int64) string { return fmt.Sprintf("/demands/%d", id) }

// warrantPDF is a small document that passes as a PDF.
var warrantPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
