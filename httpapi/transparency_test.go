package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"writ"
	"writ/auditlog"
	"writ/report"
	"writ/store/storetest"
)

// publishTransparency publishes the 2026-H2 report and canary of the
// fixture's store, once.
func (f *apiFixture) publishTransparency(t *testing.T) {
	t.Helper()
	if _, err := f.Store.LatestPublication(context.Background(), "report", "2026-H2"); err == nil {
		return
	}
	publishReport(t, f.Fixture, f.logKey)
}

// publishReport publishes the 2026-H2 report and canary of a store as
// they stand once the half-year has ended (the clock is moved there: a
// report is published only of an ended half-year), and returns the
// report's JSON.
func publishReport(t *testing.T, f *storetest.Fixture, key *auditlog.Key) []byte {
	t.Helper()
	return storetest.PublishReport(t, f, key)
}

// transparencyServer serves the report data set with its 2026-H2 report
// published, through the hardened handler writ serve uses.
func transparencyServer(t *testing.T) (*httptest.Server, []byte) {
	t.Helper()
	f := storetest.NewFixture(t, storetest.SQLite)
	storetest.NewReportData(t, f)
	key, err := auditlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "log.key"), "writ.test/log")
	if err != nil {
		t.Fatal(err)
	}
	published := publishReport(t, f, key)
	api := New(Options{Store: f.Store, Rules: f.Store.Rules(), Now: f.Clock.Now, LogKey: key, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(api.Hardened(Limits{}, false))
	t.Cleanup(srv.Close)
	return srv, published
}

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
	srv, published := transparencyServer(t)
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
	})

	t.Run("the JSON is the published bytes, as the API document describes them", func(t *testing.T) {
		resp, body := get(t, srv.URL+"/transparency/2026-H2/report.json")
		if resp.StatusCode != 200 || !bytes.Equal(body, published) {
			t.Fatalf("%d, %d bytes; published %d", resp.StatusCode, len(body), len(published))
		}
		doc := mustLoadOpenAPI(t)
		schema := doc.Paths.Find("/transparency/{period}/report.json").Get.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		if err := schema.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
			t.Errorf("the report does not fit its schema: %v", err)
		}
	})

	t.Run("the CSV has one header row and a row per country and outcome group", func(t *testing.T) {
		resp, body := get(t, srv.URL+"/transparency/2026-H2/report.csv")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(rows[0], ",") != strings.Join(report.CSVHeader(), ",") {
			t.Fatalf("header %v", rows[0])
		}
		headers := 0
		for _, row := range rows {
			if row[0] == "schema_version" {
				headers++
			}
		}
		if headers != 1 || len(rows) != 1+3*7+2 {
			t.Fatalf("%d header rows, %d rows", headers, len(rows))
		}
		for _, row := range rows[1:] {
			if row[1] != "2026-H2" || row[0] != "2" || len(row) != len(report.CSVHeader()) {
				t.Fatalf("row %v", row)
			}
			switch row[4] {
			case "national_security":
				if row[5] != "" || row[10] != "0-249" || row[11] != "0-249" || row[12] != "a3" || row[13] != "us_national_security_process" || row[14] != "2026-H2" {
					t.Fatalf("national-security row %v", row)
				}
				continue
			case "not_included":
				if row[5] != "" || row[15] != "One category of demand is not included in this report: demands of foreign national-security authorities." {
					t.Fatalf("the last row %v", row)
				}
				continue
			}
			if _, err := strconv.ParseInt(row[5], 10, 64); err != nil {
				t.Fatalf("row %v: demands %q is not a number", row, row[5])
			}
		}
		if !bytes.HasSuffix(body, []byte("\r\n")) {
			t.Error("rows do not end in CRLF")
		}
	})

	t.Run("the PDF is a well-formed document with the figures", func(t *testing.T) {
		resp, body := get(t, srv.URL+"/transparency/2026-H2/report.pdf")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		checkPDF(t, body)
		for _, want := range []string{"(Transparency report 2026-H2)", "(Germany \\(DE\\))", "(Demands received)", "(\\(A\\) 0-249)",
			"(One category of demand is not included in this report: demands of foreign national-security authorities.)"} {
			if !bytes.Contains(body, []byte(want)) {
				t.Errorf("the PDF lacks %s", want)
			}
		}
	})

	t.Run("the checkpoint is the one the report states", func(t *testing.T) {
		_, body := get(t, srv.URL+"/transparency/2026-H2/checkpoint")
		if string(body) != rep.Checkpoint.Note {
			t.Fatalf("checkpoint %q", body)
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
		if resp.StatusCode != 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "not a half-year") {
			t.Errorf("a bad period: %d %s", resp.StatusCode, body)
		}
		resp, body = get(t, srv.URL+"/transparency/2025-H1")
		if resp.StatusCode != 404 || !strings.Contains(string(body), "no report has been published for 2025-H1") {
			t.Errorf("an unpublished period: %d %s", resp.StatusCode, body)
		}
		resp, body = get(t, srv.URL+"/transparency/2025-H1/report.json")
		var e errorBody
		if resp.StatusCode != 404 || json.Unmarshal(body, &e) != nil || e.Error.Code != writ.ENOTFOUND {
			t.Errorf("an unpublished report's JSON: %d %s", resp.StatusCode, body)
		}
		resp, body = get(t, srv.URL+"/transparency/2026-H9/report.csv")
		if resp.StatusCode != 400 || json.Unmarshal(body, &e) != nil || e.Error.Field != "period" {
			t.Errorf("a bad period's CSV: %d %s", resp.StatusCode, body)
		}
	})
}

// checkPDF checks a PDF's structure: header, every object where the
// cross-reference table says it is, and a trailer pointing at the table.
func checkPDF(t *testing.T, pdf []byte) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatal("no PDF header or end")
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 ")) {
		t.Fatalf("startxref %d does not point at the table", xref)
	}
	lines := strings.Split(string(pdf[xref:]), "\n")
	var count int
	fmt.Sscanf(lines[1], "0 %d", &count)
	for i := 1; i < count; i++ {
		var offset int
		fmt.Sscanf(lines[2+i], "%010d", &offset)
		if want := fmt.Sprintf("%d 0 obj\n", i); !bytes.HasPrefix(pdf[offset:], []byte(want)) {
			t.Fatalf("object %d is not at offset %d", i, offset)
		}
	}
	for _, stream := range regexp.MustCompile(`(?s)<< /Length (\d+) >>\nstream\n`).FindAllSubmatchIndex(pdf, -1) {
		n, _ := strconv.Atoi(string(pdf[stream[2]:stream[3]]))
		if !bytes.HasPrefix(pdf[stream[1]+n:], []byte("endstream")) {
			t.Fatal("a stream's length is wrong")
		}
	}
}

// A period published again keeps its first publication public: the list
// of reports names the version it replaced, the old version is served as
// published and says it was replaced, and the latest is the default.
func TestRepublishedReportKeepsTheFirstPublic(t *testing.T) {
	f := storetest.NewFixture(t, storetest.SQLite)
	storetest.NewReportData(t, f)
	key, err := auditlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "log.key"), "writ.test/log")
	if err != nil {
		t.Fatal(err)
	}
	first := publishReport(t, f, key)
	// A demand of the period recorded late: the report is published again.
	storetest.MakeDemand(t, f, storetest.ReportSpec{Name: "late", Agency: f.AgencyUS, Instrument: "us_subpoena", IssuedBy: "other",
		Categories: []string{"subscriber"}, Accounts: []string{"joe@mail.example"}, Received: time.Date(2026, 12, 30, 0, 0, 0, 0, time.UTC),
		Outcome: string(writ.StateReceived)})
	second := publishReport(t, f, key)
	srv := httptest.NewServer(New(Options{Store: f.Store, Rules: f.Store.Rules(), Now: f.Clock.Now, LogKey: key,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	old := report.SHA256(first)

	_, index := get(t, srv.URL+"/transparency")
	if !strings.Contains(string(index), "replaces the version of") || !strings.Contains(string(index), `href="/transparency/2026-H2?sha256=`+old+`"`) {
		t.Fatalf("the list of reports does not name the replaced version:\n%s", index)
	}
	resp, latest := get(t, srv.URL+"/transparency/2026-H2/report.json")
	if resp.StatusCode != 200 || string(latest) != string(second) {
		t.Fatalf("the latest report is not the default: %d", resp.StatusCode)
	}
	resp, kept := get(t, srv.URL+"/transparency/2026-H2/report.json?sha256="+old)
	if resp.StatusCode != 200 || string(kept) != string(first) {
		t.Fatalf("the replaced report is not served as published: %d", resp.StatusCode)
	}
	_, page := get(t, srv.URL+"/transparency/2026-H2?sha256="+old)
	for _, want := range []string{`id="replaced"`, "This version was replaced on", `href="/transparency/2026-H2/report.json?sha256=` + old + `"`} {
		if !strings.Contains(string(page), want) {
			t.Fatalf("the replaced version's page lacks %q", want)
		}
	}
	_, current := get(t, srv.URL+"/transparency/2026-H2")
	if !strings.Contains(string(current), `id="replaces"`) || strings.Contains(string(current), `id="replaced"`) {
		t.Fatal("the current report's page does not name the version it replaces")
	}
	if resp, _ := get(t, srv.URL+"/transparency/2026-H2/report.json?sha256="+strings.Repeat("0", 64)); resp.StatusCode != 404 {
		t.Fatalf("an unknown version: %d", resp.StatusCode)
	}
}
