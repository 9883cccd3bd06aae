package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"writ"
	"writ/identity"
)

// chromium finds Debian's chromium. Without it the browser tests skip on a
// developer's machine and fail under CI, whose script installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed: apt-get install -y chromium")
	}
	t.Skip("chromium is not installed (apt-get install -y chromium)")
	return ""
}

// screenshots is where the browser tests leave pictures of the main pages
// for a person to look at: screenshots/ at the top of the repository, which
// is not committed, or WRIT_SCREENSHOTS.
func screenshots(t *testing.T) string {
	dir := os.Getenv("WRIT_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tab is one person's browser window, with its own cookies.
type tab struct {
	t   *testing.T
	s   *site
	ctx context.Context
	dir string
}

// browsers is the one headless chromium the browser tests share, started
// by the first of them: starting one took each test half a second, and a
// test's windows have cookies of their own in any browser (newTab).
// TestMain stops it.
var browsers struct {
	once sync.Once
	ctx  context.Context
	err  error
	stop func()
}

// startBrowser returns the shared headless chromium.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	browsers.once.Do(func() {
		dir, err := os.MkdirTemp("", "writ-chromium-")
		if err != nil {
			browsers.err = err
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.UserDataDir(dir),
			chromedp.WindowSize(1366, 900),
		)
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		browser, cancelBrowser := chromedp.NewContext(alloc)
		browsers.ctx, browsers.err = browser, chromedp.Do(browser)
		browsers.stop = func() {
			cancelBrowser()
			cancelAlloc()
			os.RemoveAll(dir)
		}
	})
	if browsers.err != nil {
		t.Fatalf("start chromium: %v", browsers.err)
	}
	return browsers.ctx
}

// TestMain runs the tests, then stops the browser they shared.
func TestMain(m *testing.M) {
	code := m.Run()
	if browsers.stop != nil {
		browsers.stop()
	}
	os.Exit(code)
}

// newTab opens a window with cookies of its own (a new browser context).
func (s *site) newTab(t *testing.T, browser context.Context) *tab {
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	return &tab{t: t, s: s, ctx: ctx, dir: screenshots(t)}
}

// run runs steps with a time limit, so a page that never comes fails the
// test instead of hanging it.
func (b *tab) run(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		b.t.Fatalf("at %s: %v", loc, err)
	}
}

// submit clicks button, a form's button or a link, and waits for the page
// it leads to, which must not be an error.
func (b *tab) submit(button string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(button)))
	if err != nil {
		b.t.Fatalf("submit %s: %v", button, err)
	}
	if resp.Status >= 400 {
		b.t.Fatalf("submit %s: status %d at %s:\n%s", button, resp.Status, resp.URL, b.text("main"))
	}
}

func (b *tab) open(path string) {
	b.t.Helper()
	b.run(chromedp.Navigate(b.s.srv.URL+path), chromedp.WaitReady(chromedp.CSS("main")))
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *tab) wantText(sel string, texts ...string) {
	b.t.Helper()
	got := b.text(sel)
	for _, want := range texts {
		if !strings.Contains(got, want) {
			b.t.Fatalf("%s says %q, want %q", sel, got, want)
		}
	}
}

// screenshot writes the whole page to the screenshots folder as PNG.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	img, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.dir, name+".png"), img, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// signIn signs in through the form, with the code for the legal team.
func (b *tab) signIn(a writ.Actor, shot string) {
	b.t.Helper()
	email := b.s.email(b.t, a)
	b.open("/signin")
	b.run(chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), password))
	if shot != "" {
		b.screenshot(shot)
	}
	b.submit(`form[action="/signin"] button[type="submit"]`)
	if b.s.secrets[email] != "" {
		b.wantText("main", "authenticator app")
		b.run(chromedp.SendKeys(chromedp.ID("code"), b.s.code(b.t, email)))
		b.submit(`form[action="/signin/code"] button[type="submit"]`)
	}
	b.wantText(".flash", "Signed in as "+a.Name)
}

// The whole path of a demand in a real browser: an agency signs in and
// submits a demand with its warrant as a PDF, a reviewer (password and
// TOTP) takes it into review, a second legal user approves it, the
// customer finds the notice in its portal and objects. Screenshots of the
// main pages are left in screenshots/. The reference carries a script,
// which the page must show as text.
func TestBrowserDemandFromSubmissionToObjection(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	browser := startBrowser(t)
	evil := `SW-42 <script>alert(1)</script><img src=x onerror=alert(2)>`
	pdf := filepath.Join(t.TempDir(), "warrant.pdf")
	if err := os.WriteFile(pdf, warrantPDF, 0o600); err != nil {
		t.Fatal(err)
	}

	anon := s.newTab(t, browser)
	anon.open("/")
	anon.wantText("main", "Transparency", "audit log")
	anon.screenshot("public")

	agency := s.newTab(t, browser)
	agency.signIn(s.AgencyUserUS, "signin")
	agency.open("/agency/new")
	agency.run(
		chromedp.SendKeys(chromedp.ID("reference"), evil),
		chromedp.SetValue(chromedp.ID("instrument"), "us_search_warrant"),
		chromedp.SetValue(chromedp.ID("issued_by"), "judge"),
		chromedp.Click(chromedp.CSS(`input[name="data_categories"][value="content"]`)),
		chromedp.SendKeys(chromedp.ID("accounts"), "joe@mail.example"),
		chromedp.SetUploadFiles(chromedp.ID("document"), []string{pdf}),
	)
	agency.screenshot("agency-submit")
	agency.submit(`form[action="/agency/demands"] button[type="submit"]`)
	agency.wantText(".flash", "was received")
	agency.wantText("main", "warrant.pdf")
	// The reference is text in the DOM: no script or image element came
	// from it, and no dialog opened.
	if got := agency.text("h1 .reference"); got != evil {
		t.Fatalf("the reference reads %q, want the text %q", got, evil)
	}
	n, err := chromedp.Run(agency.ctx, chromedp.Evaluate[int](`document.querySelectorAll("main script, main img").length`))
	if err != nil || n != 0 {
		t.Fatalf("the demand page has %d script or image elements in main (%v)", n, err)
	}
	agency.screenshot("agency-demand")
	loc, err := chromedp.Run(agency.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	path := loc[len(s.srv.URL):]

	reviewer := s.newTab(t, browser)
	reviewer.signIn(s.Reviewer, "")
	reviewer.open("/queue")
	reviewer.wantText("#results", evil)
	reviewer.screenshot("queue")
	// With JavaScript the filters apply at once (htmx), and the address
	// follows them.
	reviewer.run(chromedp.SetValue(chromedp.ID("f-state"), "approved"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("f-state").dispatchEvent(new Event("change", {bubbles: true}))`))
	pctx, cancel := context.WithTimeout(reviewer.ctx, 5*time.Second)
	defer cancel()
	if _, err := chromedp.Run(pctx, chromedp.Poll[bool](`location.search.includes("state=approved") && document.querySelector("#results").textContent.includes("No demand matches")`)); err != nil {
		t.Fatalf("the queue's filter did not apply by itself: %v", err)
	}
	reviewer.open(path)
	reviewer.run(chromedp.SendKeys(chromedp.ID("rationale-verifying"), "checking the requester"))
	reviewer.submit(`#action-verifying button[type="submit"]`)
	reviewer.wantText(".flash", "is now Verifying")
	reviewer.run(chromedp.SendKeys(chromedp.ID("rationale-in_review"), "requester confirmed by call-back"))
	reviewer.submit(`#action-in_review button[type="submit"]`)
	reviewer.wantText(".flash", "is now In review")
	reviewer.wantText("#assessment", "Legally sufficient", "Customer first", "provider policy")
	reviewer.wantText("#timeline", "received the demand", "Rhea moved the demand to Verifying: checking the requester")
	if got := reviewer.text("h1 .reference"); got != evil {
		t.Fatalf("the legal page reads the reference as %q", got)
	}
	reviewer.screenshot("demand-legal")

	approver := s.newTab(t, browser)
	approver.signIn(s.Approver, "")
	approver.open(path)
	approver.wantText("#action-approved", "Four eyes: reviewed by Rhea")
	approver.run(chromedp.SendKeys(chromedp.ID("rationale-approved"), "warrant signed by a judge; content only"))
	approver.submit(`#action-approved button[type="submit"]`)
	approver.wantText(".flash", "is now Approved")

	reviewer.open(path)
	reviewer.run(chromedp.SendKeys(chromedp.ID("rationale-noticed"), "notice letter sent to the customer"))
	reviewer.submit(`#action-noticed button[type="submit"]`)
	reviewer.wantText(".flash", "is now Noticed")
	reviewer.open("/notices?state=all")
	reviewer.screenshot("notices")
	reviewer.open("/calendar")
	reviewer.screenshot("calendar")

	customer := s.newTab(t, browser)
	customer.signIn(s.CustomerUserConsumer, "")
	customer.open("/customer")
	customer.wantText("main", evil)
	customer.screenshot("customer")
	customer.open(path)
	customer.run(chromedp.Click(chromedp.CSS(`input[name="kind"][value="object"]`)),
		chromedp.SendKeys(chromedp.ID("grounds"), "the warrant does not name this account"))
	customer.submit(`#respond button[type="submit"]`)
	customer.wantText(".flash", "Your objection was recorded")
	customer.wantText("main", "the warrant does not name this account")
	customer.screenshot("customer-objection")

	reviewer.open(path)
	reviewer.wantText(".alert", "The customer objected")
	reviewer.wantText("h1 + p", "In review")
	reviewer.screenshot("demand-objected")
	fmt.Fprintf(os.Stderr, "screenshots in %s\n", agency.dir)
}

// Every essential form works with JavaScript turned off in the browser:
// sign-in, a submission with its file, the queue's filter, a move of the
// demand and sign-out.
func TestBrowserFormsWorkWithoutJavaScript(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	browser := startBrowser(t)
	noJS := func(b *tab) {
		if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
	}
	pdf := filepath.Join(t.TempDir(), "order.pdf")
	if err := os.WriteFile(pdf, warrantPDF, 0o600); err != nil {
		t.Fatal(err)
	}
	agency := s.newTab(t, browser)
	noJS(agency)
	agency.signIn(s.AgencyUserDE, "")
	if js, _ := chromedp.Run(agency.ctx, chromedp.Evaluate[string](`typeof htmx`)); js == "object" {
		t.Fatal("JavaScript still runs in the page")
	}
	agency.open("/agency/new")
	agency.run(
		chromedp.SendKeys(chromedp.ID("reference"), "EEO-1"),
		chromedp.SetValue(chromedp.ID("instrument"), "eu_epoc"),
		chromedp.SetValue(chromedp.ID("issued_by"), "judge"),
		chromedp.Click(chromedp.CSS(`input[name="data_categories"][value="subscriber"]`)),
		chromedp.SendKeys(chromedp.ID("accounts"), "anna@beispiel.example"),
		chromedp.SetUploadFiles(chromedp.ID("document"), []string{pdf}),
	)
	agency.submit(`form[action="/agency/demands"] button[type="submit"]`)
	agency.wantText(".flash", "was received")
	agency.wantText("main", "order.pdf")

	reviewer := s.newTab(t, browser)
	noJS(reviewer)
	reviewer.signIn(s.Reviewer, "")
	reviewer.open("/queue")
	reviewer.run(chromedp.SetValue(chromedp.ID("f-state"), "received"))
	reviewer.submit(`form.filters button[type="submit"]`)
	loc, _ := chromedp.Run(reviewer.ctx, chromedp.Location())
	if !strings.Contains(loc, "state=received") {
		t.Fatalf("the filter form led to %s", loc)
	}
	reviewer.wantText("#results", "EEO-1")
	reviewer.submit(`#results td.reference a`)
	reviewer.run(chromedp.SendKeys(chromedp.ID("rationale-verifying"), "checking"))
	reviewer.submit(`#action-verifying button[type="submit"]`)
	reviewer.wantText(".flash", "is now Verifying")
	reviewer.submit(`form[action="/signout"] button`)
	reviewer.wantText(".flash", "Signed out")
}

// In a real browser, an agency user without a second factor is led from
// the password to setting up an authenticator app, reads the key off the
// page, confirms it with the app's code and is shown recovery codes before
// reaching the agency's pages.
func TestBrowserAgencyUserSetsUpASecondFactor(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	if err := s.Identity.SetTOTP(context.Background(), writ.System(), s.AgencyUserUS.UserID, ""); err != nil {
		t.Fatal(err)
	}
	b := s.newTab(t, startBrowser(t))
	email := s.email(t, s.AgencyUserUS)
	b.open("/signin")
	b.run(chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), password))
	b.submit(`form[action="/signin"] button[type="submit"]`)
	b.wantText("main", "Set up your authenticator app", "nothing else opens")
	b.screenshot("enrol")
	key := strings.ReplaceAll(b.text("#totp-key"), " ", "")
	code, err := identity.TOTPCode(key, s.Clock.Now())
	if err != nil {
		t.Fatalf("the page's key %q: %v", key, err)
	}
	b.run(chromedp.SendKeys(chromedp.ID("code"), code))
	b.submit(`form[action="/signin/enrol"] button[type="submit"]`)
	b.wantText("main", "Your recovery codes")
	if n := strings.Count(b.text("#recovery-codes"), "-") / 3; n != identity.RecoveryCodes {
		t.Fatalf("%d recovery codes shown", n)
	}
	b.screenshot("recovery-codes")
	// The link's page is waited for: a page opened while it still loads
	// would cut one of the two off (net::ERR_ABORTED).
	b.submit("main a.button")
	b.open("/agency")
	b.wantText("main", "Your demands")
}
