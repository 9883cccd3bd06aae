package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"writ/store/storetest"
)

// publicPage is what a published page says of itself once loaded.
type publicPage struct {
	Lang  string `json:"lang"`
	Title string `json:"title"`
	H1    string `json:"h1"`
	Text  string `json:"text"`
	Index string `json:"index"`
}

// readPublic opens path in the tab of ctx, waiting for sel, and reads it.
func readPublic(t *testing.T, ctx context.Context, url, sel string) publicPage {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		t.Fatal(err)
	}
	return evalPublic(t, ctx)
}

func evalPublic(t *testing.T, ctx context.Context) publicPage {
	t.Helper()
	p, err := chromedp.Run(ctx, chromedp.Evaluate[publicPage](`(() => {
		const all = document.querySelector("nav a[href^='/transparency']");
		return {lang: document.documentElement.lang, title: document.title, h1: document.querySelector("h1").textContent,
			text: document.body.innerText, index: all ? all.getAttribute("href") : ""};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The public transparency pages in a real browser: in German because the
// browser asks for it, and in French because the reader chose it among the
// languages the page offers, from a browser that asks for English. Neither
// shows the English of the pages.
func TestPublicTransparencyPagesInFrenchAndGerman(t *testing.T) {
	t.Parallel()
	f, key, srv := transparencySite(t)
	storetest.PublishReport(t, f, key)
	browser, cancel := context.WithTimeout(startBrowser(t), 90*time.Second)
	t.Cleanup(cancel)
	tab := func(acceptLanguage string) context.Context {
		ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": acceptLanguage}}); err != nil {
			t.Fatal(err)
		}
		return ctx
	}
	english := []string{"Demands received", "Transparency report", "How to check this report", "Outcomes by country"}
	noEnglish := func(p publicPage) {
		t.Helper()
		for _, w := range english {
			if strings.Contains(p.Text, w) {
				t.Errorf("%s page: English %q", p.Lang, w)
			}
		}
	}

	de := tab("de-DE,de;q=0.9,en;q=0.5")
	p := readPublic(t, de, srv.URL+"/transparency", "#reports")
	if p.Lang != "de" || p.H1 != "Transparenzberichte" || !strings.Contains(p.Text, "Erhaltene Anfragen") {
		t.Errorf("the list of reports in German: %+v", p)
	}
	noEnglish(p)
	if err := chromedp.Do(de, chromedp.Click(chromedp.CSS(`#reports a[href="/transparency/2026-H2"]`)), chromedp.WaitVisible(chromedp.CSS("#chart-outcomes svg"))); err != nil {
		t.Fatal(err)
	}
	p = evalPublic(t, de)
	if p.Lang != "de" || p.Title != "Transparenzbericht 2026-H2" || !strings.Contains(p.Text, "Deutschland (DE)") || !strings.Contains(p.Text, "So prüfen Sie diesen Bericht") {
		t.Errorf("the report in German: %+v", p)
	}
	noEnglish(p)
	shot(t, de, "transparency-report-de")

	fr := tab("en-GB,en;q=0.9")
	p = readPublic(t, fr, srv.URL+"/transparency/2026-H2", "#chart-outcomes svg")
	if p.Lang != "en" || p.Title != "Transparency report 2026-H2" {
		t.Fatalf("an English browser: %+v", p)
	}
	if err := chromedp.Do(fr, chromedp.Click(chromedp.CSS(`nav a[hreflang="fr"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="fr"] #chart-outcomes svg`))); err != nil {
		t.Fatal(err)
	}
	p = evalPublic(t, fr)
	if p.Title != "Rapport de transparence 2026-H2" || !strings.Contains(p.Text, "Demandes reçues") || !strings.Contains(p.Text, "Allemagne (DE)") ||
		!strings.Contains(p.Text, "Comment vérifier ce rapport") || !strings.Contains(p.Index, "lang=fr") {
		t.Errorf("the report in French: %+v", p)
	}
	noEnglish(p)
	shot(t, fr, "transparency-report-fr")
	// The list of reports the French page links to stays French.
	if err := chromedp.Do(fr, chromedp.Click(chromedp.CSS(`nav a[href^="/transparency?"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="fr"] #reports`))); err != nil {
		t.Fatal(err)
	}
	if p = evalPublic(t, fr); p.H1 != "Rapports de transparence" {
		t.Errorf("the list of reports in French: %+v", p)
	}
	noEnglish(p)
	// And so does the report it leads to, its files where they were.
	if err := chromedp.Do(fr, chromedp.Click(chromedp.CSS(`#reports a[href="/transparency/2026-H2?lang=fr"]`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="fr"] #chart-outcomes svg`))); err != nil {
		t.Fatal(err)
	}
	if p = evalPublic(t, fr); p.Title != "Rapport de transparence 2026-H2" {
		t.Errorf("the report from the French list: %+v", p)
	}
	json, err := chromedp.Run(fr, chromedp.Evaluate[string](`document.querySelector(".downloads a[href*='report.json']").getAttribute("href")`))
	if err != nil || json != "/transparency/2026-H2/report.json" {
		t.Errorf("the JSON's link %q (%v)", json, err)
	}
}

// shot keeps a screenshot of the tab for a person to look at.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshots(t), name+".png"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
