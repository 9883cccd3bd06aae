package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/store/storetest"
)

// producedWarrant takes a consumer warrant through approval, notice,
// delivery and the objection window, and answers it with a package. The
// clock moves a week: sign in afterwards.
func producedWarrant(t *testing.T, s *site) (writ.Demand, string) {
	t.Helper()
	ctx := context.Background()
	d, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, storetest.Warrant("joe@mail.example"), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		actor writ.Actor
		to    writ.State
	}{{s.Reviewer, writ.StateVerifying}, {s.Reviewer, writ.StateInReview}, {s.Approver, writ.StateApproved}, {s.Reviewer, writ.StateNoticed}} {
		if _, err := s.Store.Transition(ctx, m.actor, d.ID, writ.TransitionInput{To: m.to, Rationale: "r"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Store.RecordDelivery(ctx, s.Reviewer, d.ID, writ.DeliveryInput{Method: "phone", Evidence: "told the account holder"}); err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(7*24*time.Hour + time.Minute)
	in := writ.ProductionInput{Scope: writ.ProductionScope{Accounts: []string{"joe@mail.example"}, Categories: []string{"content"}},
		Files: []writ.ProductionUpload{{Name: "mailbox.mbox", Content: []byte("From joe\n")}}, Rationale: "produced"}
	p := s.Deliver(t, d.ID, in)
	return d, p.Files[0].SHA256
}

// The production's pages and the Annex III drafts, for every role: the
// agency of the demand downloads, the legal team too, auditors read the
// list but not the files, a customer never learns of a production, and
// another agency gets a 404.
func TestPortalPagesForEveryRole(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	d, sha := producedWarrant(t, s)
	epoc, _, err := s.Store.CreateDemand(context.Background(), s.AgencyUserDE, writ.DemandInput{Instrument: "eu_epoc", IssuedBy: "prosecutor",
		DataCategories: []string{"content"}, Accounts: []string{"anna@beispiel.example"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	file := fmt.Sprintf("/demands/%d/production/%s", d.ID, sha)
	proof := fmt.Sprintf("/demands/%d/production/proof.json", d.ID)
	annex := fmt.Sprintf("/demands/%d/annex-iii", epoc.ID)
	cert := fmt.Sprintf("/demands/%d/production/certificate", d.ID)
	for _, tc := range []struct {
		name                                 string
		actor                                writ.Actor
		file, proof, annex, post, cert, sign int
	}{
		{"admin", s.Admin, 200, 200, 200, 409, 200, 403},
		{"reviewer", s.Reviewer, 200, 200, 200, 409, 200, 403},
		{"approver", s.Approver, 200, 200, 200, 409, 200, 409},
		{"auditor", s.Auditor, 403, 200, 403, 403, 200, 403},
		{"agency", s.AgencyUserUS, 200, 200, 403, 403, 200, 403},
		{"other agency", s.AgencyUserDE, 404, 404, 403, 403, 404, 403},
		{"customer", s.CustomerUserConsumer, 404, 404, 403, 403, 404, 403},
		{"other customer", s.CustomerUserEnterprise, 404, 404, 403, 403, 404, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := s.browser(t).signIn(tc.actor)
			for path, want := range map[string]int{file: tc.file, proof: tc.proof, annex + ".json": tc.annex, annex + ".pdf": tc.annex,
				cert + ".json": tc.cert, cert + ".pdf": tc.cert} {
				if b.get(path); b.resp.StatusCode != want {
					t.Fatalf("%s: %d, want %d", path, b.resp.StatusCode, want)
				}
			}
			b.get("/account")
			b.postFile(fmt.Sprintf("/demands/%d/production", d.ID), url.Values{"categories": {"content"}, "accounts": {"joe@mail.example"}, "rationale": {"again"}},
				"files", "again.mbox", []byte("again"))
			if b.resp.StatusCode != tc.post {
				t.Fatalf("a second package: %d, want %d", b.resp.StatusCode, tc.post)
			}
			// The certificate is signed already; only an approver could.
			b.get("/account")
			b.post(cert, url.Values{"name": {tc.actor.Name}, "title": {"Custodian"}, "code": {"000000"}})
			if b.resp.StatusCode != tc.sign {
				t.Fatalf("signing the certificate: %d, want %d", b.resp.StatusCode, tc.sign)
			}
		})
	}
	// The customer's page of the disclosed demand says nothing of the files.
	b := s.browser(t).signIn(s.CustomerUserConsumer)
	b.get(demandPath(d.ID)).want(200, "")
	if strings.Contains(b.page, "mailbox.mbox") || strings.Contains(b.page, sha) {
		t.Fatal("the customer's page shows the production")
	}
}

// The agency reads why its demand was rejected, with the rulebook's
// citation, and whom to address instead of a redirected one; the customer
// reads who asks, under which instrument, and until when it may object.
func TestAgencyAndCustomerSeeWhatMatters(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	move := func(id int64, moves ...writ.State) {
		t.Helper()
		for _, to := range moves {
			actor := s.Reviewer
			if to == writ.StateApproved {
				actor = s.Approver
			}
			if _, err := s.Store.Transition(ctx, actor, id, writ.TransitionInput{To: to, Rationale: "r"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	sub := storetest.Warrant("joe@mail.example")
	sub.Instrument, sub.IssuedBy = "us_subpoena", "other"
	rejected, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, sub, "")
	if err != nil {
		t.Fatal(err)
	}
	move(rejected.ID, writ.StateVerifying, writ.StateInReview, writ.StateRejected)
	redirected, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, storetest.Warrant("anna@beispiel.example"), "")
	if err != nil {
		t.Fatal(err)
	}
	move(redirected.ID, writ.StateVerifying, writ.StateInReview, writ.StateRedirected)
	agency := s.browser(t).signIn(s.AgencyUserUS)
	agency.get(demandPath(rejected.ID)).want(200, "", "Why", "cannot compel", "18 U.S.C. 2703(c)(2)")
	agency.get(demandPath(redirected.ID)).want(200, "", "Beispiel AG", "recht@beispiel.example")

	noticed, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, storetest.Warrant("joe@mail.example"), "")
	if err != nil {
		t.Fatal(err)
	}
	move(noticed.ID, writ.StateVerifying, writ.StateInReview, writ.StateApproved, writ.StateNoticed)
	customer := s.browser(t).signIn(s.CustomerUserConsumer)
	customer.get(demandPath(noticed.ID)).want(200, "", "Example County Sheriff", "United States", "US search warrant",
		"once the notice has reached you")
	if _, err := s.Store.RecordDelivery(ctx, s.Reviewer, noticed.ID, writ.DeliveryInput{Method: "phone", Evidence: "told"}); err != nil {
		t.Fatal(err)
	}
	deadline := s.Clock.Now().Add(7 * 24 * time.Hour).UTC().Format("2006-01-02 15:04")
	customer.get(demandPath(noticed.ID)).want(200, "", "not before "+deadline, "in 7 d")
}

// The submission form's check is the agency's only, stores nothing, and
// shows the same whatever accounts are named.
func TestPreviewPageForEveryRole(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	form := func(account string) url.Values {
		return url.Values{"instrument": {"us_subpoena"}, "issued_by": {"other"}, "data_categories": {"content"}, "accounts": {account}}
	}
	for _, a := range []writ.Actor{s.Admin, s.Reviewer, s.Auditor, s.CustomerUserConsumer} {
		b := s.browser(t).signIn(a)
		b.get("/account")
		b.post("/agency/preview", form("joe@mail.example")).want(403, "")
	}
	b := s.browser(t).signIn(s.AgencyUserUS)
	var first string
	for _, account := range []string{"joe@mail.example", "anna@beispiel.example", "nobody@nowhere.example"} {
		b.get("/agency/new")
		b.post("/agency/preview", form(account)).want(200, "", "2703(c)(2)")
		section := b.page[strings.Index(b.page, `id="preview"`):]
		section = section[:strings.Index(section, "</section>")]
		if first == "" {
			first = section
		} else if section != first {
			t.Fatalf("the preview for %s differs:\n%s\n%s", account, section, first)
		}
	}
	page, err := s.Store.Demands(context.Background(), s.Reviewer, writ.DemandFilter{})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("a preview left %d demands (%v)", len(page.Items), err)
	}
}
