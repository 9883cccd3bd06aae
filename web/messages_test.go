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

// The message forms and the customer's upload for every role: each side
// posts on its own thread only, another agency and another customer find
// no demand, auditors only read, and the customer finds nothing before
// its notice is due, when the legal team's page offers no form to write
// to it.
func TestMessageFormsForEveryRole(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	d, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, storetest.Warrant("anna@beispiel.example"), "")
	if err != nil {
		t.Fatal(err)
	}
	early, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, storetest.Warrant("ben@beispiel.example"), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name                  string
		actor                 writ.Actor
		agency, customer, doc int
	}{
		{"reviewer", s.Reviewer, 200, 200, 200},
		{"auditor", s.Auditor, 403, 403, 403},
		{"agency", s.AgencyUserUS, 200, 403, 200},
		{"other agency", s.AgencyUserDE, 404, 404, 404},
		{"customer", s.CustomerUserEnterprise, 403, 200, 200},
		{"other customer", s.CustomerUserConsumer, 404, 404, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := s.browser(t).signIn(tc.actor)
			for thread, want := range map[string]int{writ.ThreadAgency: tc.agency, writ.ThreadCustomer: tc.customer} {
				b.get("/account")
				body := "from " + tc.name + " on " + thread
				b.postFile(fmt.Sprintf("/demands/%d/messages/%s", d.ID, thread), url.Values{"body": {body}}, "attachment", "", nil)
				if b.resp.StatusCode != want {
					t.Fatalf("%s thread: %d, want %d", thread, b.resp.StatusCode, want)
				}
				if want == 200 && !strings.Contains(b.page, body) {
					t.Fatalf("the page lacks the message %q", body)
				}
			}
			b.get("/account")
			b.postFile(fmt.Sprintf("/demands/%d/documents", d.ID), url.Values{}, "document", tc.name+".pdf", []byte("%PDF-1.7 "+tc.name))
			if b.resp.StatusCode != tc.doc {
				t.Fatalf("upload: %d, want %d", b.resp.StatusCode, tc.doc)
			}
		})
	}
	// What each side's page shows of the threads.
	agency := s.browser(t).signIn(s.AgencyUserUS)
	agency.get(demandPath(d.ID)).want(200, "", "from agency on agency", "from reviewer on agency")
	if strings.Contains(agency.page, "on customer") || strings.Contains(agency.page, "customer.pdf") {
		t.Fatal("the agency's page shows the customer's side")
	}
	customer := s.browser(t).signIn(s.CustomerUserEnterprise)
	customer.get(demandPath(d.ID)).want(200, "", "from customer on customer", "from reviewer on customer", "customer.pdf")
	if strings.Contains(customer.page, "on agency") || strings.Contains(customer.page, "agency.pdf") {
		t.Fatal("the customer's page shows the agency's side")
	}
	// Before its notice is due the customer finds no demand, and the legal
	// team's message to it is refused.
	reviewer := s.browser(t).signIn(s.Reviewer)
	s.Clock.Advance(-time.Hour)
	defer s.Clock.Advance(time.Hour)
	customer.get("/account")
	customer.postFile(fmt.Sprintf("/demands/%d/messages/customer", early.ID), url.Values{"body": {"hello"}}, "attachment", "", nil)
	if customer.resp.StatusCode != 404 {
		t.Fatalf("the customer posts before notice: %d", customer.resp.StatusCode)
	}
	reviewer.get("/account")
	reviewer.postFile(fmt.Sprintf("/demands/%d/messages/customer", early.ID), url.Values{"body": {"hello"}}, "attachment", "", nil)
	if reviewer.resp.StatusCode != 403 || !strings.Contains(reviewer.page, "before its notice is due") {
		t.Fatalf("the legal team writes to the customer before notice: %d", reviewer.resp.StatusCode)
	}
	// The legal team's page says so in place of the customer's form, and
	// keeps the agency's.
	reviewer.get(demandPath(early.ID)).want(200, "", "The customer cannot be written to before its notice is due")
	if strings.Contains(reviewer.page, fmt.Sprintf(`action="/demands/%d/messages/customer"`, early.ID)) {
		t.Fatal("the legal team's page offers the customer's form before notice")
	}
	if !strings.Contains(reviewer.page, fmt.Sprintf(`action="/demands/%d/messages/agency"`, early.ID)) {
		t.Fatal("the legal team's page lacks the agency's form")
	}
}
