package web_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/auditlog"
	"writ/httpapi"
	"writ/report"
	"writ/store/storetest"
	"writ/web"
)

// transparencySite serves a store holding the report data set, with its
// 2026-H2 report and canary published, as "writ serve" mounts the web
// application and the API: the pages are the application's, the files the
// API's.
func transparencySite(t *testing.T) (*storetest.Fixture, *auditlog.Key, *httptest.Server) {
	t.Helper()
	f := reportData.Fixture(t)
	key, err := auditlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "log.key"), "writ.test/log")
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	app, err := web.New(web.Options{Store: f.Store, Now: f.Clock.Now, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(httpapi.Options{Store: f.Store, Rules: f.Store.Rules(), Now: f.Clock.Now, LogKey: key, Logger: quiet})
	srv := httptest.NewServer(web.Mount(api.Hardened(httpapi.Limits{}, false), app))
	t.Cleanup(srv.Close)
	return f, key, srv
}

// reportData is the registry with the report data set, made once and
// copied for each transparency site.
var reportData = storetest.NewFixtureTemplate(func(t *testing.T, f *storetest.Fixture) { storetest.NewReportData(t, f) })

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestTransparencyPages(t *testing.T) {
	t.Parallel()
	f, key, srv := transparencySite(t)
	published := storetest.PublishReport(t, f, key)
	var rep report.Report
	if err := json.Unmarshal(published, &rep); err != nil {
		t.Fatal(err)
	}

	t.Run("the report page shows the figures, both charts and its links", func(t *testing.T) {
		resp, body := get(t, srv.URL+"/transparency/2026-H2")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		// The root hash's "+" is escaped in the page's text.
		page := html.UnescapeString(string(body))
		for _, want := range []string{"Transparency report 2026-H2", `id="chart-periods"><svg`, `id="chart-outcomes"><svg`,
			`href="/transparency/2026-H2/report.json"`, `href="/transparency/2026-H2/report.csv"`, `href="/transparency/2026-H2/report.pdf"`,
			`href="/transparency/2026-H2/checkpoint"`, "Germany (DE)", "France (FR)", "United States (US)", rep.Checkpoint.RootHash,
			"<td>National security letters and FISA orders and directives</td><td>2026-H2</td><td>(A) <strong>0-249</strong></td><td>(B) <strong>0-249</strong></td>",
			"This report follows structure a3 of 50 U.S.C. 1874(a) (50 U.S.C. 1874(a)(3)).",
			`<p id="not-included"><strong>One category of demand is not included in this report: demands of foreign national-security authorities.</strong></p>`,
			report.SHA256(published)} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		if n := strings.Count(page, `class="bar"`); n < 10 {
			t.Errorf("only %d bars in the charts", n)
		}
		if strings.Contains(page, "<script") {
			t.Error("the page has a script")
		}
		// The policy allows exactly the page's own style sheet, by its hash.
		css := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(page)
		if css == nil {
			t.Fatal("no style sheet")
		}
		sum := sha256.Sum256([]byte(css[1]))
		policy := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(policy, "style-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") || !strings.Contains(policy, "default-src 'none'") {
			t.Errorf("policy %q does not allow the style sheet and nothing else", policy)
		}
		// The same page for everyone: nothing is kept of the visitor.
		if c := resp.Header.Values("Set-Cookie"); len(c) > 0 || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("cookies %q, Cache-Control %q", c, resp.Header.Get("Cache-Control"))
		}
	})

	t.Run("the page's links lead to the published files", func(t *testing.T) {
		for path, want := range map[string]string{
			"/transparency/2026-H2/report.json": string(published),
			"/transparency/2026-H2/checkpoint":  rep.Checkpoint.Note,
		} {
			if resp, body := get(t, srv.URL+path); resp.StatusCode != 200 || string(body) != want {
				t.Errorf("%s: %d %.80s", path, resp.StatusCode, body)
			}
		}
		for path, want := range map[string]string{"/transparency/2026-H2/report.csv": "text/csv", "/transparency/2026-H2/report.pdf": "application/pdf"} {
			if resp, _ := get(t, srv.URL+path); resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), want) {
				t.Errorf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
	})

	t.Run("the index lists the report and the canary", func(t *testing.T) {
		resp, body := get(t, srv.URL+"/transparency")
		if resp.StatusCode != 200 || !strings.Contains(string(body), `href="/transparency/2026-H2"`) ||
			!strings.Contains(string(body), `href="/transparency/canary"`) || !strings.Contains(string(body), "<svg") {
			t.Fatalf("%d\n%s", resp.StatusCode, body)
		}
		_, canary := get(t, srv.URL+"/transparency/canary")
		if !strings.HasPrefix(string(canary), report.CanaryHeader+"\nperiod 2026-H2\n") {
			t.Fatalf("canary %q", canary)
		}
	})

	t.Run("errors are pages for pages and API errors for files", func(t *testing.T) {
		resp, body := get(t, srv.URL+"/transparency/2026-H3")
		if resp.StatusCode != 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "is not a half-year") {
			t.Errorf("a bad period: %d %s", resp.StatusCode, body)
		}
		resp, body = get(t, srv.URL+"/transparency/2025-H1")
		if resp.StatusCode != 404 || !strings.Contains(string(body), "No report has been published for 2025-H1.") {
			t.Errorf("an unpublished period: %d %s", resp.StatusCode, body)
		}
		var e struct {
			Error struct{ Code, Field string }
		}
		resp, body = get(t, srv.URL+"/transparency/2025-H1/report.json")
		if resp.StatusCode != 404 || json.Unmarshal(body, &e) != nil || e.Error.Code != writ.ENOTFOUND {
			t.Errorf("an unpublished report's JSON: %d %s", resp.StatusCode, body)
		}
		resp, body = get(t, srv.URL+"/transparency/2026-H9/report.csv")
		if resp.StatusCode != 400 || json.Unmarshal(body, &e) != nil || e.Error.Field != "period" {
			t.Errorf("a bad period's CSV: %d %s", resp.StatusCode, body)
		}
	})
}

// Before anything is published the index says so, and the canary is not
// found.
func TestTransparencyBeforeAnyReport(t *testing.T) {
	t.Parallel()
	_, _, srv := transparencySite(t)
	resp, body := get(t, srv.URL+"/transparency")
	if resp.StatusCode != 200 || strings.Contains(string(body), `href="/transparency/canary"`) || strings.Contains(string(body), `href="/transparency/2026-H2"`) {
		t.Fatalf("%d\n%s", resp.StatusCode, body)
	}
	if resp, _ := get(t, srv.URL+"/transparency/canary"); resp.StatusCode != 404 {
		t.Fatalf("the canary: %d", resp.StatusCode)
	}
}

// A period published again keeps its first publication public: the list
// of reports names the version it replaced, the old version is served as
// published and says it was replaced, and the latest is the default.
func TestRepublishedReportKeepsTheFirstPublic(t *testing.T) {
	t.Parallel()
	f, key, srv := transparencySite(t)
	first := storetest.PublishReport(t, f, key)
	// A demand of the period recorded late: the report is published again.
	storetest.MakeDemand(t, f, storetest.ReportSpec{Name: "late", Agency: f.AgencyUS, Instrument: "us_subpoena", IssuedBy: "other",
		Categories: []string{"subscriber"}, Accounts: []string{"joe@mail.example"}, Received: time.Date(2026, 12, 30, 0, 0, 0, 0, time.UTC),
		Outcome: string(writ.StateReceived)})
	second := storetest.PublishReport(t, f, key)
	old := report.SHA256(first)

	_, index := get(t, srv.URL+"/transparency")
	if !strings.Contains(string(index), "replaces the version of") || !strings.Contains(string(index), `href="/transparency/2026-H2?sha256=`+old+`"`) {
		t.Fatalf("the list of reports does not name the replaced version:\n%s", index)
	}
	_, page := get(t, srv.URL+"/transparency/2026-H2?sha256="+old)
	for _, want := range []string{`id="replaced"`, "This version was replaced on", `href="/transparency/2026-H2/report.json?sha256=` + old + `"`} {
		if !strings.Contains(string(page), want) {
			t.Fatalf("the replaced version's page lacks %q", want)
		}
	}
	if resp, kept := get(t, srv.URL+"/transparency/2026-H2/report.json?sha256="+old); resp.StatusCode != 200 || string(kept) != string(first) {
		t.Fatalf("the replaced report's link does not lead to it as published: %d", resp.StatusCode)
	}
	_, current := get(t, srv.URL+"/transparency/2026-H2")
	if !strings.Contains(string(current), `id="replaces"`) || strings.Contains(string(current), `id="replaced"`) ||
		!strings.Contains(string(current), report.SHA256(second)) {
		t.Fatal("the current report's page does not name the version it replaces")
	}
	if resp, _ := get(t, srv.URL+"/transparency/2026-H2?sha256="+strings.Repeat("0", 64)); resp.StatusCode != 404 {
		t.Fatalf("an unknown version: %d", resp.StatusCode)
	}
}
