package web_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"writ/store/storetest"
)

// chartFacts is what the page's script-free charts look like once laid out.
type chartFacts struct {
	Charts      int     `json:"charts"`
	ChartWidth  float64 `json:"chartWidth"`
	ChartHeight float64 `json:"chartHeight"`
	Bars        int     `json:"bars"`
	WideBars    int     `json:"wideBars"`
	Collapse    string  `json:"collapse"`
	Swatch      string  `json:"swatch"`
	Countries   int     `json:"countries"`
	Title       string  `json:"title"`
}

// The report page, served as writ serve serves it (with its content
// security policy), renders in a real browser with both charts drawn and
// its style sheet applied, and prints.
func TestTransparencyReportInTheBrowser(t *testing.T) {
	t.Parallel()
	f, key, srv := transparencySite(t)
	storetest.PublishReport(t, f, key)
	ctx, cancel := context.WithTimeout(startBrowser(t), 60*time.Second)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/transparency/2026-H2"), chromedp.WaitVisible(chromedp.CSS("#chart-outcomes svg"))); err != nil {
		t.Fatal(err)
	}
	facts, err := chromedp.Run(ctx, chromedp.Evaluate[chartFacts](`(() => {
		const charts = [...document.querySelectorAll("figure svg.chart")];
		const bars = [...document.querySelectorAll("svg.chart rect.bar")];
		const box = charts.length ? charts[1].getBoundingClientRect() : {width: 0, height: 0};
		return {
			charts: charts.length,
			chartWidth: box.width,
			chartHeight: box.height,
			bars: bars.length,
			wideBars: bars.filter(b => b.getBoundingClientRect().width > 1 && b.getBoundingClientRect().height > 1).length,
			collapse: getComputedStyle(document.querySelector("table")).borderCollapse,
			swatch: getComputedStyle(document.querySelector(".swatch.g-rejected")).backgroundColor,
			countries: document.querySelectorAll("#countries tbody tr").length,
			title: document.title,
		};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if facts.Charts != 2 || facts.ChartWidth < 300 || facts.ChartHeight < 50 {
		t.Errorf("charts not laid out: %+v", facts)
	}
	if facts.Bars < 10 || facts.WideBars != facts.Bars {
		t.Errorf("%d bars, %d of them drawn with a size", facts.Bars, facts.WideBars)
	}
	// The style sheet applied, so the policy allowed it.
	if facts.Collapse != "collapse" || facts.Swatch != "rgb(33, 102, 172)" {
		t.Errorf("the style sheet was not applied: %+v", facts)
	}
	if facts.Countries != 3 || facts.Title != "Transparency report 2026-H2" {
		t.Errorf("page: %+v", facts)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("the screenshot is no image: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 1000 || b.Dy() < 1500 {
		t.Errorf("the page is only %v", b)
	}
	if err := os.WriteFile(filepath.Join(screenshots(t), "transparency-report.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdf) < 10000 {
		t.Errorf("printing gave %d bytes", len(pdf))
	}
}
