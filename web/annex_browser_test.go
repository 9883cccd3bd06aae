package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"writ"
)

// A prosecutor's European Production Order for content cannot be
// executed: the reviewer's page offers the Annex III draft, whose JSON
// ticks the Article 4 ground for JUDGE_REQUIRED and whose PDF opens in the
// browser's viewer. The German authority is told in its portal in which
// languages the provider accepts certificates.
func TestBrowserAnnexIIIDraft(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	d, _, err := s.Store.CreateDemand(context.Background(), s.AgencyUserDE, writ.DemandInput{Reference: "StA-0815", Instrument: "eu_epoc",
		IssuedBy: "prosecutor", DataCategories: []string{"content"}, Accounts: []string{"anna@beispiel.example"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	browser := startBrowser(t)
	agency := s.newTab(t, browser)
	agency.signIn(s.AgencyUserDE, "")
	agency.open("/agency")
	agency.wantText(".languages", "accepted in: en")

	reviewer := s.newTab(t, browser)
	reviewer.signIn(s.Reviewer, "")
	reviewer.open(demandPath(d.ID))
	reviewer.wantText("#annex-iii", "Annex III")
	draft, err := chromedp.Run(reviewer.ctx, chromedp.Evaluate[string](`fetch(document.querySelector("a.annex-json").href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Version string `json:"version"`
		Grounds []struct {
			Code    string   `json:"code"`
			Ticked  bool     `json:"ticked"`
			Because []string `json:"because"`
		} `json:"grounds"`
	}
	if err := json.Unmarshal([]byte(draft), &got); err != nil || got.Version != "writ.annex-iii/v1" {
		t.Fatalf("draft %s: %v", draft, err)
	}
	var ticked []string
	for _, g := range got.Grounds {
		if g.Ticked {
			ticked = append(ticked, g.Code+":"+strings.Join(g.Because, ","))
		}
	}
	if !strings.Contains(strings.Join(ticked, " "), "NOT_ISSUED_PER_ARTICLE_4:JUDGE_REQUIRED") {
		t.Fatalf("ticked %v", ticked)
	}
	ctx, cancel := context.WithTimeout(reviewer.ctx, 15e9)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("a.annex-pdf")))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || resp.MimeType != "application/pdf" {
		t.Fatalf("the PDF answered %d %s", resp.Status, resp.MimeType)
	}
	// The browser opened it in its PDF viewer (its dark page around the
	// document), not as a download. (Headless chromium paints nothing of
	// the document in a screenshot; the PDF's own structure is checked in
	// package eevidence.)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.contentType === "application/pdf" && location.pathname.endsWith("/annex-iii.pdf") &&
		getComputedStyle(document.body).backgroundColor === "rgb(40, 40, 40)"`)); err != nil {
		t.Fatalf("the browser did not render the PDF: %v", err)
	}
}
