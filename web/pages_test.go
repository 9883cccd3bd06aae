package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"writ"
)

func httptestRecorder(h http.Handler, method, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}

// apiStatus is the status the JSON API answers a token's GET with.
func (s *site) apiStatus(t *testing.T, a writ.Actor, path string) int {
	t.Helper()
	token, err := s.Identity.CreateToken(context.Background(), writ.System(), a.UserID, writ.TokenInput{Label: "test"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", s.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token.Secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Each role sees only its own: another tenant's or agency's demand is a
// 404 on its page, its documents and in the API alike, exactly as for a
// demand that does not exist; a page for another role is refused.
func TestEachRoleSeesOnlyItsOwn(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	d, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, writ.DemandInput{Reference: "OWN-1", Instrument: "us_search_warrant",
		IssuedBy: "judge", DataCategories: []string{"content"}, Accounts: []string{"joe@mail.example"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := s.Store.AddDocumentTo(ctx, s.AgencyUserUS, d.ID, writ.AudienceAll, "warrant.pdf", warrantPDF)
	if err != nil {
		t.Fatal(err)
	}
	// The consumer tenant may see it (notice is due at receipt); the
	// enterprise tenant and the German agency may not.
	if _, err := s.Store.Demand(ctx, s.CustomerUserConsumer, d.ID); err != nil {
		t.Fatalf("the consumer tenant cannot see its own demand: %v", err)
	}
	for _, tc := range []struct {
		name  string
		actor writ.Actor
	}{{"other tenant", s.CustomerUserEnterprise}, {"other agency", s.AgencyUserDE}} {
		b := s.browser(t).signIn(tc.actor)
		for _, path := range []string{demandPath(d.ID), demandPath(d.ID) + "/documents/" + doc.SHA256, demandPath(999999)} {
			b.get(path).want(http.StatusNotFound, path, "ENOTFOUND")
			if strings.Contains(b.page, "OWN-1") {
				t.Fatalf("%s: the 404 page names the demand", tc.name)
			}
		}
		if got := s.apiStatus(t, tc.actor, fmt.Sprintf("/v1/demands/%d", d.ID)); got != http.StatusNotFound {
			t.Fatalf("%s: the API answers %d, want 404", tc.name, got)
		}
		// Posting to it is a 404 as well.
		b.post(demandPath(d.ID)+"/responses", url.Values{"kind": {"acknowledge"}})
		if tc.actor.Role == writ.RoleCustomer {
			b.want(http.StatusNotFound, "", "ENOTFOUND")
		}
	}
	own := s.browser(t).signIn(s.CustomerUserConsumer)
	own.get(demandPath(d.ID)).want(200, "", "OWN-1")
	if strings.Contains(own.page, "Assessment") || strings.Contains(own.page, "Timeline") || strings.Contains(own.page, "sheriff.example.gov") {
		t.Fatal("the customer's page shows the legal team's analysis or the requester")
	}
	own.get(demandPath(d.ID)+"/documents/"+doc.SHA256).want(200, "")
	if got := own.resp.Header.Get("Content-Disposition"); !strings.HasPrefix(got, "attachment") {
		t.Fatalf("a document is served as %q, want an attachment", got)
	}

	agency := s.browser(t).signIn(s.AgencyUserUS)
	agency.get(demandPath(d.ID)).want(200, "", "OWN-1")
	if strings.Contains(agency.page, "Assessment") || strings.Contains(agency.page, "Route") {
		t.Fatal("the agency's page shows the legal team's analysis")
	}
	for _, tc := range []struct {
		actor writ.Actor
		paths []string
	}{
		{s.AgencyUserUS, []string{"/queue", "/notices", "/calendar", "/admin", "/admin/users", "/customer"}},
		{s.CustomerUserConsumer, []string{"/queue", "/admin/agencies", "/agency", "/agency/new"}},
		{s.Auditor, []string{"/agency/new", "/customer"}},
	} {
		b := s.browser(t).signIn(tc.actor)
		for _, path := range tc.paths {
			b.get(path).want(http.StatusForbidden, path, "EFORBIDDEN")
		}
	}
	// An auditor reads every demand and the admin pages, but acts on nothing.
	auditor := s.browser(t).signIn(s.Auditor)
	auditor.get(demandPath(d.ID)).want(200, "", "Auditors read")
	auditor.get("/admin/users").want(200, "")
	if strings.Contains(auditor.page, "Create a user") {
		t.Fatal("the auditor is offered the form to create users")
	}
	auditor.post(demandPath(d.ID)+"/transitions", url.Values{"to": {"verifying"}, "rationale": {"x"}})
	auditor.want(http.StatusForbidden, "")
}

var scriptTag = regexp.MustCompile(`(?i)<script>alert`)

// Text an agency wrote is shown as text on every page: a reference or a
// file name with HTML in it never becomes markup.
func TestAgencyTextIsShownAsText(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	evil := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	d, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, writ.DemandInput{Reference: evil, Citation: evil, Instrument: "us_search_warrant",
		IssuedBy: "judge", DataCategories: []string{"content"}, Accounts: []string{"joe@mail.example"},
		Emergency: &writ.Emergency{Justification: evil}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Store.AddDocument(ctx, s.AgencyUserUS, d.ID, evil+".pdf", warrantPDF); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		actor writ.Actor
		paths []string
	}{
		{s.Reviewer, []string{"/queue", demandPath(d.ID), "/calendar", "/notices?state=all"}},
		{s.AgencyUserUS, []string{"/agency", demandPath(d.ID)}},
	} {
		b := s.browser(t).signIn(tc.actor)
		for _, path := range tc.paths {
			b.get(path).want(200, "")
			if scriptTag.MatchString(b.page) || strings.Contains(b.page, "<img src=x") {
				t.Fatalf("%s shows the agency's markup as markup", path)
			}
			if path == demandPath(d.ID) && !strings.Contains(b.page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Fatalf("%s does not show the reference as text", path)
			}
		}
	}
}

// A refused submission shows the store's message next to the field at
// fault, keeps what was typed, and takes in nothing.
func TestSubmissionShowsTheMessageByTheField(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser(t).signIn(s.AgencyUserUS)
	cases := []struct {
		form  url.Values
		field string
		text  string
		file  []byte
	}{
		{url.Values{"instrument": {"us_subpoena"}, "issued_by": {"prosecutor"}, "accounts": {"joe@mail.example"}, "subject_residence": {"Atlantis"}},
			"subject_residence", "unknown country code", nil},
		{url.Values{"instrument": {"no_such_thing"}, "issued_by": {"judge"}, "accounts": {"joe@mail.example"}}, "instrument", "unknown instrument", nil},
		{url.Values{"instrument": {"us_subpoena"}, "issued_by": {"prosecutor"}, "accounts": {"joe@mail.example"}, "date_from": {"2026-05-01"}, "date_to": {"2026-01-01"}},
			"date_to", "ends before it starts", nil},
		{url.Values{"instrument": {"us_subpoena"}, "issued_by": {"prosecutor"}, "accounts": {"joe@mail.example"}, "ndo": {"on"}},
			"ndo_basis", "legal basis", nil},
		{url.Values{"instrument": {"us_subpoena"}, "issued_by": {"prosecutor"}, "accounts": {"joe@mail.example"}}, "document", "not a PDF",
			[]byte("<html><script>alert(1)</script></html>")},
	}
	for _, tc := range cases {
		b.get("/agency/new")
		tc.form.Set("key", tc.field)
		tc.form.Set("reference", "KEEP-ME")
		b.postFile("/agency/demands", tc.form, "document", "warrant.pdf", tc.file)
		b.want(http.StatusBadRequest, "/agency/demands", tc.text, `value="KEEP-ME"`)
		field := regexp.MustCompile(`id="` + tc.field + `-error"[^>]*data-code="EINVALID"[^>]*>[^<]*<strong>Check this:</strong>[^<]*` + regexp.QuoteMeta(tc.text))
		if !field.MatchString(b.page) {
			t.Fatalf("%s: the message is not next to the field:\n%s", tc.field, b.page)
		}
		if !strings.Contains(b.page, `aria-describedby="`+tc.field+`-error"`) {
			t.Fatalf("%s: the field is not marked invalid", tc.field)
		}
	}
	page, err := s.Store.Demands(context.Background(), s.AgencyUserUS, writ.DemandFilter{})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("refused submissions took in %d demands (%v)", len(page.Items), err)
	}
}

// The next deadline of a demand is red in the queue when under 48 hours.
func TestQueueMarksDeadlinesUnder48Hours(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	soon := s.Clock.Now().Add(30 * time.Hour)
	later := s.Clock.Now().Add(10 * 24 * time.Hour)
	for ref, due := range map[string]time.Time{"SOON-1": soon, "LATER-1": later} {
		if _, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, writ.DemandInput{Reference: ref, Instrument: "us_subpoena", IssuedBy: "prosecutor",
			DataCategories: []string{"subscriber"}, Accounts: []string{"joe@mail.example"}, Due: &due}, ""); err != nil {
			t.Fatal(err)
		}
	}
	b := s.browser(t).signIn(s.Reviewer)
	b.get("/queue?sort=deadline").want(200, "/queue")
	row := func(ref string) string {
		i := strings.Index(b.page, ref)
		if i < 0 {
			t.Fatalf("the queue lacks %s", ref)
		}
		end := strings.Index(b.page[i:], "</tr>")
		return b.page[i : i+end]
	}
	if !strings.Contains(row("SOON-1"), `class="due-urgent"`) || !strings.Contains(row("SOON-1"), "(in 29 h)") {
		t.Fatalf("a deadline 30 hours away is not marked urgent: %s", row("SOON-1"))
	}
	if strings.Contains(row("LATER-1"), "due-urgent") {
		t.Fatal("a deadline ten days away is marked urgent")
	}
	if strings.Index(b.page, "SOON-1") > strings.Index(b.page, "LATER-1") {
		t.Fatal("sorted by deadline, the later deadline comes first")
	}
	b.get("/calendar").want(200, "", "Answer the demand")
}

// The approve form is closed to the approver who reviewed the demand.
func TestApproverWhoReviewedCannotApprove(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	d, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, writ.DemandInput{Reference: "FE-1", Instrument: "us_subpoena", IssuedBy: "prosecutor",
		DataCategories: []string{"subscriber"}, Accounts: []string{"joe@mail.example"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	b := s.browser(t).signIn(s.Approver)
	b.get(demandPath(d.ID))
	b.post(demandPath(d.ID)+"/transitions", url.Values{"to": {"verifying"}, "rationale": {"x"}})
	b.post(demandPath(d.ID)+"/transitions", url.Values{"to": {"in_review"}, "rationale": {"x"}})
	b.want(200, "", "Four eyes: you reviewed this demand")
	if !regexp.MustCompile(`<button type="submit" disabled aria-disabled="true">Move to Approved`).MatchString(b.page) {
		t.Fatal("the approve button is open to the reviewer")
	}
	b.post(demandPath(d.ID)+"/transitions", url.Values{"to": {"approved"}, "rationale": {"self"}})
	b.want(http.StatusForbidden, "", "four eyes")
	s.browser(t).signIn(s.Approver2).get(demandPath(d.ID)).
		post(demandPath(d.ID)+"/transitions", url.Values{"to": {"approved"}, "rationale": {"second person"}}).
		want(200, demandPath(d.ID), "is now Approved")
}

// Static files are served under checksum URLs with a long cache; pages
// carry the strict content security policy and no inline script or style.
func TestAssetsAndSecurityHeaders(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser(t)
	b.get("/signin").want(200, "")
	csp := b.resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Fatalf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Fatalf("CSP %q allows inline code", csp)
	}
	if b.resp.Header.Get("Cache-Control") != "no-store" || b.resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatal("pages must not be cached or framed")
	}
	if regexp.MustCompile(`<script>|<style|style="|\son[a-z]+="`).MatchString(b.page) {
		t.Fatal("a page has inline script or style")
	}
	assets := regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(b.page, -1)
	if len(assets) != 2 {
		t.Fatalf("the layout links %d static files, want the stylesheet and htmx", len(assets))
	}
	for _, m := range assets {
		if !regexp.MustCompile(`^/static/[a-z.]+\.[0-9a-f]{10}\.(css|min\.js)$`).MatchString(m[1]) {
			t.Fatalf("%s is not a checksum URL", m[1])
		}
		b.get(m[1]).want(200, "")
		if got := b.resp.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Fatalf("%s: Cache-Control %q", m[1], got)
		}
	}
	b.get("/static/app.0000000000.css").want(http.StatusNotFound, "")
}

// The public page shows the latest signed checkpoint and links to the
// transparency reports.
func TestPublicPageShowsTheCheckpoint(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser(t)
	b.get("/public").want(200, "", "No checkpoint has been signed yet", `href="/transparency"`)
}

// Every answer, page or API, says how long the server took to make it.
func TestEveryAnswerCarriesServerTiming(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser(t)
	header := regexp.MustCompile(`^app;dur=[0-9]+\.[0-9]{3}$`)
	for _, path := range []string{"/signin", "/v1/demands", "/no-such-page", "/log/checkpoint"} {
		b.get(path)
		if got := b.resp.Header.Get("Server-Timing"); !header.MatchString(got) {
			t.Fatalf("%s (%d): Server-Timing %q", path, b.resp.StatusCode, got)
		}
	}
	b.signIn(s.Reviewer).get("/queue").want(200, "/queue")
	if got := b.resp.Header.Get("Server-Timing"); !header.MatchString(got) {
		t.Fatalf("/queue: Server-Timing %q", got)
	}
}
