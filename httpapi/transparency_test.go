package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
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
	storetest.PublishReport(t, f.Fixture, f.logKey)
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
	published := storetest.PublishReport(t, f, key)
	api := New(Options{Store: f.Store, Identity: f.Identity, Rules: f.Store.Rules(), Now: f.Clock.Now, LogKey: key, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
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
	checkContract(t, resp.Request, nil, resp, body)
	return resp, body
}

// The published report's files and the canary are the API's; the pages
// that link them are the web application's (web/transparency_test.go).
func TestTransparencyFiles(t *testing.T) {
	srv, published := transparencyServer(t)
	var rep report.Report
	if err := json.Unmarshal(published, &rep); err != nil {
		t.Fatal(err)
	}

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

	t.Run("the PDF is in the language asked for; the JSON is the same in every language", func(t *testing.T) {
		resp, fr := get(t, srv.URL+"/transparency/2026-H2/report.pdf?lang=fr")
		if resp.StatusCode != 200 {
			t.Fatalf("%d", resp.StatusCode)
		}
		checkPDF(t, fr)
		req, err := http.NewRequest("GET", srv.URL+"/transparency/2026-H2/report.pdf", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept-Language", "de-AT, de;q=0.9, en;q=0.5")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		de, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Vary"), "Accept-Language") {
			t.Fatalf("%d %v, Vary %q", resp.StatusCode, err, resp.Header.Get("Vary"))
		}
		for body, wants := range map[*[]byte][]string{
			&fr: {"(Rapport de transparence 2026-H2)", "(Allemagne \\(DE\\))", "(Demandes re\\347ues)"},
			&de: {"(Transparenzbericht 2026-H2)", "(Deutschland \\(DE\\))", "(Erhaltene Anfragen)"},
		} {
			for _, want := range wants {
				if !bytes.Contains(*body, []byte(want)) {
					t.Errorf("the PDF lacks %s", want)
				}
			}
			if bytes.Contains(*body, []byte("(Demands received)")) {
				t.Error("a translated PDF has the English words")
			}
		}
		_, js := get(t, srv.URL+"/transparency/2026-H2/report.json?lang=fr")
		if !bytes.Equal(js, published) {
			t.Error("the published JSON changed with the language")
		}
	})

	t.Run("the checkpoint is the one the report states", func(t *testing.T) {
		_, body := get(t, srv.URL+"/transparency/2026-H2/checkpoint")
		if string(body) != rep.Checkpoint.Note {
			t.Fatalf("checkpoint %q", body)
		}
	})

	t.Run("the canary is the published note", func(t *testing.T) {
		resp, canary := get(t, srv.URL+"/transparency/canary")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" ||
			!strings.HasPrefix(string(canary), report.CanaryHeader+"\nperiod 2026-H2\n") {
			t.Fatalf("canary %d %q", resp.StatusCode, canary)
		}
	})

	t.Run("errors are API errors", func(t *testing.T) {
		resp, body := get(t, srv.URL+"/transparency/2025-H1/report.json")
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

// A period published again keeps its first publication public: the latest
// is the default, and the old version is served as published. (The pages'
// part of it is web/transparency_test.go's.)
func TestRepublishedReportKeepsTheFirstPublic(t *testing.T) {
	f := storetest.NewFixture(t, storetest.SQLite)
	storetest.NewReportData(t, f)
	key, err := auditlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "log.key"), "writ.test/log")
	if err != nil {
		t.Fatal(err)
	}
	first := storetest.PublishReport(t, f, key)
	// A demand of the period recorded late: the report is published again.
	storetest.MakeDemand(t, f, storetest.ReportSpec{Name: "late", Agency: f.AgencyUS, Instrument: "us_subpoena", IssuedBy: "other",
		Categories: []string{"subscriber"}, Accounts: []string{"joe@mail.example"}, Received: time.Date(2026, 12, 30, 0, 0, 0, 0, time.UTC),
		Outcome: string(writ.StateReceived)})
	second := storetest.PublishReport(t, f, key)
	srv := httptest.NewServer(New(Options{Store: f.Store, Identity: f.Identity, Rules: f.Store.Rules(), Now: f.Clock.Now, LogKey: key,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	old := report.SHA256(first)

	resp, latest := get(t, srv.URL+"/transparency/2026-H2/report.json")
	if resp.StatusCode != 200 || string(latest) != string(second) {
		t.Fatalf("the latest report is not the default: %d", resp.StatusCode)
	}
	resp, kept := get(t, srv.URL+"/transparency/2026-H2/report.json?sha256="+old)
	if resp.StatusCode != 200 || string(kept) != string(first) {
		t.Fatalf("the replaced report is not served as published: %d", resp.StatusCode)
	}
	if resp, _ := get(t, srv.URL+"/transparency/2026-H2/report.json?sha256="+strings.Repeat("0", 64)); resp.StatusCode != 404 {
		t.Fatalf("an unknown version: %d", resp.StatusCode)
	}
}
