package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"writ"
)

// legalDay is the data of a legal team's morning: new demands, one with a
// non-disclosure order, an emergency, one in review by the reviewer, one
// the customer objected to, and two to close as no data.
type legalDay struct {
	fresh, gagged, emergency, review, objected int64
	noData                                     []int64
	// stuck is still received: closing it as no data must fail.
	stuck int64
}

func newLegalDay(t *testing.T, s *site) legalDay {
	t.Helper()
	ctx := context.Background()
	create := func(in writ.DemandInput) int64 {
		d, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, in, "")
		if err != nil {
			t.Fatal(err)
		}
		return d.ID
	}
	move := func(a writ.Actor, id int64, to writ.State, why string) {
		if _, err := s.Store.Transition(ctx, a, id, writ.TransitionInput{To: to, Rationale: why}); err != nil {
			t.Fatalf("demand %d to %s: %v", id, to, err)
		}
	}
	review := func(id int64) {
		move(s.Reviewer, id, writ.StateVerifying, "checking")
		move(s.Reviewer, id, writ.StateInReview, "requester confirmed by call-back")
	}
	warrant := func(ref string) writ.DemandInput {
		return writ.DemandInput{Reference: ref, Instrument: "us_search_warrant", IssuedBy: "judge",
			DataCategories: []string{"content"}, Accounts: []string{"joe@mail.example"}}
	}
	var day legalDay
	day.fresh = create(warrant("DAY-NEW"))
	gag := warrant("DAY-GAG")
	gag.DataCategories = []string{"subscriber", "content"}
	gag.Nondisclosure = &writ.Nondisclosure{Basis: "18 U.S.C. § 2705(b)", Until: "2027-01-31"}
	day.gagged = create(gag)
	day.emergency = create(emergencyInput("DAY-EM"))
	day.review = create(warrant("DAY-REVIEW"))
	review(day.review)
	day.objected = create(warrant("DAY-OBJ"))
	review(day.objected)
	move(s.Approver, day.objected, writ.StateApproved, "warrant signed by a judge")
	move(s.Reviewer, day.objected, writ.StateNoticed, "notice sent")
	if _, err := s.Store.Respond(ctx, s.CustomerUserConsumer, day.objected, writ.CustomerResponseInput{Kind: writ.ResponseObject,
		Grounds: "the warrant does not name this account"}); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"DAY-NODATA-1", "DAY-NODATA-2"} {
		id := create(warrant(ref))
		review(id)
		day.noData = append(day.noData, id)
	}
	day.stuck = create(warrant("DAY-STUCK"))
	return day
}

// fits fails the test when the page is wider than the window.
func (b *tab) fits(width int64) {
	b.t.Helper()
	w, err := chromedp.Run(b.ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
	if err != nil {
		b.t.Fatal(err)
	}
	if w > width {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		wide, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > innerWidth).slice(0, 5).map(e => e.tagName + "." + e.className + "#" + e.id).join(" ")`))
		b.t.Fatalf("at %s the page is %d px wide in a %d px window: %s", loc, w, width, wide)
	}
}

// A reviewer's and an approver's day in a real browser, at 1400 px and on
// a 390 px phone, with nothing but the pages: the home and its counts, the
// queue filtered from a count, assigning a demand with the team's
// workload, extending a non-disclosure order, narrowing the categories, recording a call-back,
// writing a note, deciding an objection, closing demands as no data in
// bulk (one refused, and reported), exporting the queue as CSV, and the
// approver's four-eyes view; an admin registers a customer with its data
// locations and key custody and reads the rulebook's changes. No page is
// wider than the window.
func TestBrowserLegalTeamsDay(t *testing.T) {
	t.Parallel()
	browser := startBrowser(t)
	for _, width := range []int64{1400, 390} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			// Each width has a site of its own: they run at once.
			t.Parallel()
			s := newSite(t)
			day := newLegalDay(t, s)
			reviewer := s.newTab(t, browser)
			reviewer.run(chromedp.EmulateViewport(width, 900))
			reviewer.signIn(s.Reviewer, "")
			legalDayOfReviewer(t, s, reviewer, day, width)

			approver := s.newTab(t, browser)
			approver.run(chromedp.EmulateViewport(width, 900))
			approver.signIn(s.Approver, "")
			approver.open("/home")
			approver.wantText("#view-approval", "2 Awaiting my approval", "DAY-REVIEW", "DAY-OBJ")
			approver.fits(width)
			approver.submit(`#view-approval h2 a`)
			approver.wantText("#results", "DAY-REVIEW")
			approver.fits(width)
			approver.open(demandPath(day.review))
			approver.wantText("#next-step", "Approve the disclosure of content")
			first := approver.text(".action-grid form:first-child h3")
			if !strings.Contains(first, "Next step: Move to Approved") {
				t.Fatalf("the first move offered is %q", first)
			}
			approver.run(chromedp.SendKeys(chromedp.ID("rationale-approved"), "warrant signed by a judge; content only"))
			approver.submit(`#action-approved button[type="submit"]`)
			approver.wantText(".flash", "is now Approved")
			approver.fits(width)
			approver.screenshot(fmt.Sprintf("legal-day-approver-%d", width))

			admin := s.newTab(t, browser)
			admin.run(chromedp.EmulateViewport(width, 900))
			admin.signIn(s.Admin, "")
			adminRegistersACustomer(t, admin, width)
		})
	}
}

func legalDayOfReviewer(t *testing.T, s *site, b *tab, day legalDay, width int64) {
	b.open("/home")
	b.wantText("#view-unassigned", "4 New and unassigned")
	b.wantText("#view-emergencies", "1 Emergencies", "DAY-EM")
	b.wantText("#view-objections", "1 Objections to decide", "DAY-OBJ")
	b.fits(width)
	b.screenshot(fmt.Sprintf("legal-day-home-%d", width))
	b.submit(`#view-unassigned h2 a`)
	b.wantText("#results", "DAY-NEW", "DAY-GAG", "DAY-EM", "DAY-STUCK")
	if got, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.getElementById("f-view").selectedOptions[0].textContent`)); got != "New and unassigned" {
		t.Fatalf("the queue's view reads %q", got)
	}
	b.fits(width)
	b.screenshot(fmt.Sprintf("legal-day-queue-%d", width))

	// Assignment, with each person's open demands shown.
	b.open(demandPath(day.fresh))
	b.wantText("#assign-form", s.Approver.Name+" — Approver, 0 open")
	b.run(chromedp.SetValue(chromedp.ID("assignee"), fmt.Sprint(s.Approver.UserID)))
	b.submit(`#assign-form button[type="submit"]`)
	b.wantText(".flash", "is now "+s.Approver.Name+"'s")
	b.wantText("#assign-form", "Held by: "+s.Approver.Name, "1 open")
	b.fits(width)

	// The non-disclosure order is extended: the demand is reassessed.
	b.open(demandPath(day.gagged))
	b.run(chromedp.Click(chromedp.ID("ndo-set")), chromedp.SetValue(chromedp.ID("ndo-until"), "2027-07-31"))
	b.submit(`#edit-form button[type="submit"]`)
	b.wantText(".flash", "changed and reassessed")
	b.wantText("#request", "until 2027-07-31")
	b.wantText("#timeline", "changed the demand: non-disclosure order")
	// The agency agreed to ask for content only: the categories are narrowed.
	b.run(chromedp.Click(chromedp.CSS(`#edit-categories input[value="subscriber"]`)))
	b.submit(`#edit-form button[type="submit"]`)
	b.wantText(".flash", "changed and reassessed")
	if got := b.text("#request"); strings.Contains(got, "Subscriber data") || !strings.Contains(got, "Content data") {
		t.Fatalf("after narrowing, the request reads %q", got)
	}
	b.wantText("#timeline", "changed the demand: data categories (narrowed)")
	// A bad edit names every field at once, next to it.
	b.run(chromedp.Click(chromedp.ID("ndo-set")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("ndo-basis").value = ""`))
	b.submitRefused(`#edit-form button[type="submit"]`)
	b.wantText("#edit-form", "1 field to correct", "state the legal basis of the order")
	b.fits(width)

	// The emergency: the next step is the call-back, recorded here.
	b.open(demandPath(day.emergency))
	b.wantText("#next-step", "Call", "+1 555 0100", "to confirm the emergency")
	b.run(chromedp.Click(chromedp.CSS(`#callback-form input[value="confirmed"]`)),
		chromedp.SendKeys(chromedp.ID("cb-notes"), "Sgt. Miller confirmed the request"))
	b.submit(`#callback-form button[type="submit"]`)
	b.wantText(".flash", "confirmed the emergency")
	b.fits(width)

	// A note, the legal team's own.
	b.run(chromedp.SendKeys(chromedp.ID("note-body"), "spoke to the duty officer at 9:10"))
	b.submit(`#note-form button[type="submit"]`)
	b.wantText(".flash", "The note was added")
	b.wantText("#notes", "spoke to the duty officer at 9:10")
	b.wantText("#timeline", "wrote a note: spoke to the duty officer at 9:10")

	// The customer's objection is decided.
	b.open(demandPath(day.objected))
	b.wantText("#next-step", "Decide the customer's objection")
	b.run(chromedp.Click(chromedp.CSS(`#responses input[value="upheld"]`)),
		chromedp.SendKeys(chromedp.CSS(`#responses textarea`), "the warrant names another account"))
	b.submit(`#responses button[type="submit"]`)
	b.wantText(".flash", "The objection was upheld")
	b.fits(width)

	// Bulk close as no data from the queue: two succeed, one is refused.
	b.open("/queue?sort=id")
	for _, id := range append(day.noData, day.stuck) {
		b.run(chromedp.Click(chromedp.ID(fmt.Sprint("pick-", id))))
	}
	b.run(chromedp.Click(chromedp.CSS(`input[name="action"][value="close_no_data"]`)),
		chromedp.SendKeys(chromedp.ID("bulk-rationale"), "no account by these names"))
	b.fits(width)
	b.submit(`#bulk-submit`)
	b.wantText("main h1", "2 of 3 demands closed as no data")
	report := b.text("#bulk-report")
	for _, id := range day.noData {
		if !strings.Contains(report, fmt.Sprintf("#%d\tDone", id)) {
			t.Fatalf("the report does not say %d was closed:\n%s", id, report)
		}
	}
	if !strings.Contains(report, fmt.Sprintf("#%d\tNot changed", day.stuck)) {
		t.Fatalf("the report does not say %d was refused:\n%s", day.stuck, report)
	}
	for _, id := range day.noData {
		d, err := s.Store.Demand(context.Background(), s.Reviewer, id)
		if err != nil || d.State != writ.StateClosed || d.Outcome != writ.OutcomeNoData {
			t.Fatalf("demand %d is %s/%s (%v)", id, d.State, d.Outcome, err)
		}
	}
	b.fits(width)

	// CSV export of a filtered view, as the link fetches it.
	b.open("/queue?state=closed")
	href, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.getElementById("export-csv").getAttribute("href")`))
	if err != nil || !strings.Contains(href, "state=closed") {
		t.Fatalf("the export link is %q (%v)", href, err)
	}
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+fmt.Sprintf("%q", href)+`).then(r => r.text())`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "id,reference,agency") || !strings.Contains(csv, "DAY-NODATA-1") || strings.Contains(csv, "DAY-NEW") {
		t.Fatalf("the export of closed demands reads:\n%s", csv)
	}
}

// submitRefused clicks a form's button and waits for the page that refuses it.
func (b *tab) submitRefused(button string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(button)))
	if err != nil {
		b.t.Fatalf("submit %s: %v", button, err)
	}
	if resp.Status != 400 {
		b.t.Fatalf("submit %s: status %d, want 400", button, resp.Status)
	}
}

// adminRegistersACustomer registers a customer with its data locations
// and key custody in the pages, after a refusal that names the field, and
// reads the changes of the rulebook in force.
func adminRegistersACustomer(t *testing.T, b *tab, width int64) {
	b.open("/admin/customers")
	b.run(chromedp.SendKeys(chromedp.ID("c-name"), "Gemeinde Musterstadt"),
		chromedp.SetValue(chromedp.ID("c-kind"), "public_sector"),
		chromedp.SendKeys(chromedp.ID("c-home"), "DE"),
		chromedp.SendKeys(chromedp.ID("c-contact"), "recht@musterstadt.example"),
		chromedp.SendKeys(chromedp.ID("c-region-0"), "eu-central-1"),
		chromedp.SendKeys(chromedp.ID("c-country-0"), "DE"),
		chromedp.SendKeys(chromedp.ID("c-accounts"), "amt@musterstadt.example"))
	b.submitRefused(`#customer-form button[type="submit"]`)
	b.wantText("#customer-form", "choose who holds the keys to its content")
	b.fits(width)
	b.run(chromedp.SetValue(chromedp.ID("c-custody"), "customer_held"))
	b.submit(`#customer-form button[type="submit"]`)
	b.wantText(".flash", "Gemeinde Musterstadt was registered with 1 data location")
	b.wantText("main table", "Gemeinde Musterstadt", "eu-central-1 (DE)", "Customer holds the keys")
	b.fits(width)
	b.open("/admin")
	b.submit(`a[href="/admin/rulebook"]`)
	b.wantText("#rulebook-changes", "What v2 changed since v1", "Verified emergencies that collide with foreign law")
	b.fits(width)
}
