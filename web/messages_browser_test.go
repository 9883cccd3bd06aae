package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"writ"
	"writ/store/storetest"
)

// fetchStatus fetches path with the tab's session and returns the status
// and the body as text.
func (b *tab) fetchStatus(path string) (int, string) {
	b.t.Helper()
	type answer struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
	}
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[answer](fmt.Sprintf(`fetch(%q).then(r => r.text().then(t => ({status: r.status, body: t})))`, path),
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatal(err)
	}
	return got.Status, got.Body
}

// Messages on a demand in a real browser: the agency asks the legal team,
// which answers with an attachment the agency downloads; the customer
// writes on its own thread and uploads its objection; the legal team sees
// both threads and the upload, the agency none of the customer's.
func TestBrowserMessagesOnBothThreads(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	browser := startBrowser(t)
	d, _, err := s.Store.CreateDemand(context.Background(), s.AgencyUserUS, storetest.Warrant("anna@beispiel.example"), "")
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/demands/%d", d.ID)
	dir := t.TempDir()
	answer, objection := filepath.Join(dir, "answer.pdf"), filepath.Join(dir, "objection.pdf")
	answerPDF := "%PDF-1.4\n% the legal team's answer\n%%EOF\n"
	for name, content := range map[string]string{answer: answerPDF, objection: "%PDF-1.4\n% the customer's objection\n%%EOF\n"} {
		if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	agency := s.newTab(t, browser)
	agency.signIn(s.AgencyUserUS, "")
	agency.open(path)
	agency.run(chromedp.SendKeys(chromedp.ID("message-body-agency"), "When will you answer our warrant?"))
	agency.submit(`#thread-agency button[type="submit"]`)
	agency.wantText(".flash", "Your message was sent")
	agency.wantText("#thread-agency", "When will you answer our warrant?", "Deputy Dan")

	reviewer := s.newTab(t, browser)
	reviewer.signIn(s.Reviewer, "")
	reviewer.open(path)
	reviewer.wantText("#thread-agency", "When will you answer our warrant?")
	reviewer.run(chromedp.SendKeys(chromedp.ID("message-body-agency"), "We answered the customer; see our letter."),
		chromedp.SetUploadFiles(chromedp.ID("message-attachment-agency"), []string{answer}))
	reviewer.submit(`#thread-agency button[type="submit"]`)
	reviewer.wantText("#thread-agency", "We answered the customer; see our letter.", "answer.pdf")

	agency.open(path)
	agency.wantText("#thread-agency", "We answered the customer; see our letter.", "answer.pdf")
	agency.screenshot("agency-messages")
	href, err := chromedp.Run(agency.ctx, chromedp.Evaluate[string](`document.querySelector("#thread-agency .attachments a").getAttribute("href")`))
	if err != nil {
		t.Fatal(err)
	}
	if status, body := agency.fetchStatus(href); status != 200 || body != answerPDF {
		t.Fatalf("the agency downloads the attachment: %d %q", status, body)
	}

	customer := s.newTab(t, browser)
	customer.signIn(s.CustomerUserEnterprise, "")
	customer.open(path)
	customer.run(chromedp.SendKeys(chromedp.ID("message-body-customer"), "We object: the account is not the suspect's."))
	customer.submit(`#thread-customer button[type="submit"]`)
	customer.wantText("#thread-customer", "We object: the account is not the suspect's.")
	if strings.Contains(customer.text("main"), "When will you answer") {
		t.Fatal("the customer sees the agency's thread")
	}
	customer.run(chromedp.SetUploadFiles(chromedp.ID("upload-document"), []string{objection}))
	customer.submit(fmt.Sprintf(`form[action="%s/documents"] button[type="submit"]`, path))
	customer.wantText("main", "objection.pdf")
	customer.screenshot("customer-messages")

	reviewer.open(path)
	reviewer.wantText("#thread-customer", "We object: the account is not the suspect's.")
	reviewer.wantText("#documents", "objection.pdf", "the legal team and the customer")
	reviewer.screenshot("legal-messages")

	// The agency sees nothing of the customer's side, and cannot fetch
	// the customer's upload by its address.
	agency.open(path)
	if main := agency.text("main"); strings.Contains(main, "We object") || strings.Contains(main, "objection.pdf") {
		t.Fatalf("the agency sees the customer's side:\n%s", main)
	}
	none, err := chromedp.Run(agency.ctx, chromedp.Evaluate[bool](`document.getElementById("thread-customer") === null`))
	if err != nil || !none {
		t.Fatalf("the agency's page has the customer's thread (%v)", err)
	}
	docs, err := s.Store.Documents(context.Background(), s.Reviewer, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range docs {
		if doc.Audience != writ.AudienceCustomer {
			continue
		}
		if status, _ := agency.fetchStatus(fmt.Sprintf("%s/documents/%s", path, doc.SHA256)); status != 404 {
			t.Fatalf("the agency fetches the customer's %s: %d", doc.Name, status)
		}
	}
}
