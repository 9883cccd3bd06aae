package httpapi

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts headless Chromium for a test. Without one the test is
// skipped — except under CI=true, where .ci/run installs it and a missing
// browser is a failure.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium to run the browser test (.ci/run installs it)")
		}
		t.Skip("no Chromium installed (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	return tab
}

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
	srv, _ := transparencyServer(t)
	ctx := browser(t)
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
	if dir := os.Getenv("WRIT_SCREENSHOTS"); dir != "" {
		os.WriteFile(dir+"/transparency-report.png", shot, 0o644)
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdf) < 10000 {
		t.Errorf("printing gave %d bytes", len(pdf))
	}
}
