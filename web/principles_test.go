package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/identity"
	"writ/notify"
)

// The tests of this file take the safeguards of the principles through
// the pages, as the legal team, an agency and a customer use them.

// emergencyInput is an emergency request of the US agency.
func emergencyInput(reference string) writ.DemandInput {
	return writ.DemandInput{Reference: reference, Instrument: "us_emergency", IssuedBy: "other", DataCategories: []string{"subscriber"},
		Accounts: []string{"joe@mail.example"}, Emergency: &writ.Emergency{Justification: "a child is missing"}}
}

// rowOf is the queue's table row of a reference.
func rowOf(t *testing.T, page, ref string) string {
	t.Helper()
	if table := strings.Index(page, `class="grid queue`); table >= 0 {
		page = page[table:]
	}
	i := strings.Index(page, ref)
	if i < 0 {
		t.Fatalf("the page lacks %s", ref)
	}
	start := strings.LastIndex(page[:i], "<tr")
	end := strings.Index(page[i:], "</tr>")
	return page[start : i+end]
}

// An emergency is announced in a banner on every page of the legal team,
// comes first in the queue by default with its response target, and is
// confirmed only by a call-back recorded on its page to the registered
// number.
func TestEmergencyInTheQueueAndTheCallBackForm(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	soon := s.Clock.Now().Add(time.Hour)
	if _, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, writ.DemandInput{Reference: "DUE-SOON", Instrument: "us_subpoena", IssuedBy: "prosecutor",
		DataCategories: []string{"subscriber"}, Accounts: []string{"jane@mail.example"}, Due: &soon}, ""); err != nil {
		t.Fatal(err)
	}
	e, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, emergencyInput("EM-PAGE"), "")
	if err != nil {
		t.Fatal(err)
	}
	b := s.browser(t).signIn(s.Reviewer)
	for _, path := range []string{"/queue", "/queue?sort=id"} {
		b.get(path).want(200, "/queue", `id="alerts"`, "Emergency:", "call the agency back first")
		if queue := b.page[strings.Index(b.page, `class="grid queue cards"`):]; strings.Index(queue, "EM-PAGE") > strings.Index(queue, "DUE-SOON") {
			t.Fatalf("%s lists the emergency after a demand due sooner", path)
		}
		if row := rowOf(t, b.page, "EM-PAGE"); !strings.Contains(row, `class="emergency"`) || !strings.Contains(row, "Answer the emergency") ||
			!strings.Contains(row, "2026-11-20 18:00 UTC") {
			t.Fatalf("the emergency's row lacks its response target: %s", row)
		}
	}
	// The banner is on every page of the legal team, not of the agency.
	b.get("/calendar").want(200, "", "Emergency:")
	agency := s.browser(t).signIn(s.AgencyUserUS)
	agency.get(demandPath(e.ID)).want(200, "")
	if strings.Contains(agency.page, `id="alerts"`) || strings.Contains(agency.page, "555 0100") {
		t.Fatal("the agency sees the legal team's banner or the call-back form")
	}
	agency.post(demandPath(e.ID)+"/callbacks", url.Values{"number": {"+1 555 0100"}, "outcome": {"confirmed"}})
	agency.want(http.StatusForbidden, "")

	b.get(demandPath(e.ID)).want(200, "", "Call-back", "Registered number: <strong class=\"phone\">&#43;1 555 0100</strong>", "Not confirmed", `id="callback-form"`)
	b.post(demandPath(e.ID)+"/callbacks", url.Values{"number": {"+1 555 0199"}, "outcome": {"confirmed"}})
	b.want(http.StatusBadRequest, "", "is not the agency&#39;s registered number")
	b.post(demandPath(e.ID)+"/callbacks", url.Values{"number": {"+1 555 0100"}, "outcome": {"confirmed"}, "notes": {"duty sergeant"}})
	b.want(200, demandPath(e.ID), "The call-back confirmed the emergency", "Confirmed by call-back", "duty sergeant")
}

// A notice no channel can deliver shows in the queue, the banner and the
// demand's page, which retries it or records a delivery made another way.
func TestUndeliverableNoticeOnThePages(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	d, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, writ.DemandInput{Reference: "NO-MAIL", Instrument: "us_search_warrant", IssuedBy: "judge",
		DataCategories: []string{"content"}, Accounts: []string{"joe@mail.example"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	// A server without a mail server tries the e-mail and fails.
	// The test's clock stands before the real one, which River's rescuer
	// reads: a lease of a century keeps it from taking the job.
	w := &notify.Worker{Records: s.Store, DB: s.Store.DB(), Postgres: s.Store.Postgres(), Rules: s.Store.Rules(), Now: s.Clock.Now,
		Poll: 20 * time.Millisecond, Lease: 100 * 365 * 24 * time.Hour, Log: slog.New(slog.DiscardHandler)}
	t.Cleanup(func() { w.Stop(context.Background()) })
	if n, err := w.RunDue(ctx); err != nil || n != 1 {
		t.Fatalf("%d jobs due, %v; want the notice's", n, err)
	}
	b := s.browser(t).signIn(s.Reviewer)
	b.get("/queue").want(200, "", "1 notice undeliverable")
	if row := rowOf(t, b.page, "NO-MAIL"); !strings.Contains(row, "Notice undeliverable") {
		t.Fatalf("the queue's row: %s", row)
	}
	b.get("/notices?state=undeliverable").want(200, "", "NO-MAIL", "no SMTP server configured")
	b.get(demandPath(d.ID)).want(200, "", "Notice undeliverable.", "Retry the delivery", "Record a delivery made another way", "not yet")
	b.post(demandPath(d.ID)+"/notice/retry", url.Values{}).want(200, demandPath(d.ID), "The notice is being sent again")
	b.post(demandPath(d.ID)+"/notice/deliveries", url.Values{"method": {"registered_letter"}})
	b.want(http.StatusBadRequest, "", "describe the evidence")
	b.post(demandPath(d.ID)+"/notice/deliveries", url.Values{"method": {"registered_letter"}, "evidence": {"RR 42 US, signed for"}, "delivered_at": {"2026-11-20T14:00"}})
	b.want(200, demandPath(d.ID), "The delivery of the notice was recorded", "RR 42 US, signed for", "2026-11-20 14:00 UTC")
	if strings.Contains(b.page, "Record a delivery made another way") {
		t.Fatal("the page offers to record a second delivery of a given notice")
	}
}

// When a non-disclosure order ends, the queue and the demand's page say
// "order ended — confirm before notice"; the notice goes once a
// legal-team user confirmed that no extension was served.
func TestEndedOrderOnThePages(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	d, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, writ.DemandInput{Reference: "GAG-END", Instrument: "us_subpoena", IssuedBy: "prosecutor",
		DataCategories: []string{"subscriber"}, Accounts: []string{"joe@mail.example"},
		Nondisclosure: &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)", Until: "2026-11-25"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(7 * 24 * time.Hour)
	b := s.browser(t).signIn(s.Reviewer)
	b.get("/queue").want(200, "", "1 non-disclosure order has ended")
	if row := rowOf(t, b.page, "GAG-END"); !strings.Contains(row, "Order ended — confirm before notice") {
		t.Fatalf("the queue's row: %s", row)
	}
	customer := s.browser(t).signIn(s.CustomerUserConsumer)
	customer.get(demandPath(d.ID)).want(http.StatusNotFound, "")
	b.get(demandPath(d.ID)).want(200, "", "Order ended — confirm before notice.", `id="review-form"`)
	b.post(demandPath(d.ID)+"/nondisclosure-review", url.Values{"extension_served": {"no"}})
	b.want(http.StatusBadRequest, "", "say how you checked")
	b.post(demandPath(d.ID)+"/nondisclosure-review", url.Values{"extension_served": {"no"}, "checked": {"called the clerk: no extension"}})
	b.want(200, demandPath(d.ID), "the notice goes to the customer now")
	customer.get(demandPath(d.ID)).want(200, "", "GAG-END")
}

// Documents are listed and downloaded only by their audience, on the
// agency's and the customer's pages alike; the calendar shows a "not
// before" date as such, never as overdue.
func TestAudiencesAndNotBeforeDatesOnThePages(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	d, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, writ.DemandInput{Reference: "AUD-1", Instrument: "us_search_warrant", IssuedBy: "judge",
		DataCategories: []string{"content"}, Accounts: []string{"joe@mail.example"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	memo, err := s.Store.AddDocument(ctx, s.Reviewer, d.ID, "internal-memo.pdf", warrantPDF)
	if err != nil {
		t.Fatal(err)
	}
	reviewer := s.browser(t).signIn(s.Reviewer)
	reviewer.get(demandPath(d.ID)).want(200, "", "internal-memo.pdf", "the legal team only")
	for _, a := range []writ.Actor{s.AgencyUserUS, s.CustomerUserConsumer} {
		b := s.browser(t).signIn(a)
		b.get(demandPath(d.ID)).want(200, "", "AUD-1")
		if strings.Contains(b.page, "internal-memo.pdf") {
			t.Fatalf("%s sees the legal team's memo", a.Name)
		}
		b.get(demandPath(d.ID)+"/documents/"+memo.SHA256).want(http.StatusNotFound, "")
	}
	// The earliest disclosure, seven days on, is a "not before" date.
	s.Clock.Advance(8 * 24 * time.Hour)
	reviewer = s.browser(t).signIn(s.Reviewer)
	reviewer.get("/calendar?from=2026-11-23").want(200, "", "not before: Earliest disclosure")
	reviewer.get("/calendar").want(200, "")
	if regexp.MustCompile(`(?s)id="h-overdue".*EARLIEST_DISCLOSURE.*</section>`).MatchString(reviewer.page) {
		t.Fatal("the calendar lists a not-before date as overdue")
	}
	reviewer.get("/queue").want(200, "", `<strong id="overdue-count">0</strong> overdue`)
	// A demand whose due date has passed is overdue until it is closed.
	due := s.Clock.Now().Add(-24 * time.Hour)
	late, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, writ.DemandInput{Reference: "LATE-1", Instrument: "us_subpoena", IssuedBy: "other",
		DataCategories: []string{"subscriber"}, Accounts: []string{"joe@mail.example"}, Due: &due}, "")
	if err != nil {
		t.Fatal(err)
	}
	reviewer.get("/queue").want(200, "", `<strong id="overdue-count">1</strong> overdue`)
	if _, err := s.Store.Transition(ctx, s.Reviewer, late.ID, writ.TransitionInput{To: writ.StateClosed, Withdrawn: true, Rationale: "withdrawn"}); err != nil {
		t.Fatal(err)
	}
	reviewer.get("/queue").want(200, "", `<strong id="overdue-count">0</strong> overdue`)
}

// A user is deactivated from the users page; a token another admin asked
// for is issued only by a second admin, shown once on the page.
func TestDeactivationAndSecondAdminOnTheUsersPage(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	u, err := s.Identity.CreateUser(ctx, writ.System(), identity.UserInput{Name: "Adele", Email: "adele@provider.example", Role: writ.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	req, err := s.Identity.RequestToken(ctx, writ.ActorOf(u), s.Approver.UserID, writ.TokenInput{Label: "robot"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Identity.CreateToken(ctx, s.AgencyUserUS, s.AgencyUserUS.UserID, writ.TokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	admin := s.browser(t).signIn(s.Admin)
	admin.get("/admin/users").want(200, "", "Tokens waiting for a second admin", "robot", "asked by Adele")
	admin.post("/admin/token-requests/"+itoa(req.ID)+"/confirmation", url.Values{}).want(200, "", "Token issued", "shown this once", "writ_")
	admin.post("/admin/users/"+itoa(s.AgencyUserUS.UserID)+"/deactivation", url.Values{"reason": {"left the agency"}})
	admin.want(200, "/admin/users", "was deactivated", "deactivated 2026-11-20")
	if _, err := s.Identity.Authenticate(ctx, tok.Secret); writ.ErrorCode(err) != writ.EUNAUTHORIZED {
		t.Fatalf("the deactivated user's token: %v", err)
	}
	dan := s.browser(t)
	dan.get("/signin").post("/signin", url.Values{"email": {s.email(t, s.AgencyUserUS)}, "password": {password}})
	dan.want(http.StatusUnauthorized, "/signin", "this account was deactivated")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
