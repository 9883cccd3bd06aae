package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"writ/casework"
	"writ/report"
	"writ/rules"
	"writ/sealing"
	"writ/store"
	"writ/store/storetest"
)

// reportDB makes a SQLite database at a known path holding the report data
// set of 2026-H2, for the command line to work on.
func reportDB(t *testing.T) (dir, db string) {
	t.Helper()
	return reportDBWith(t, 2026, func(*testing.T, *storetest.Fixture) {})
}

// reportDBOf makes one holding the report data set moved to the second
// half of year.
func reportDBOf(t *testing.T, year int) (dir, db string) {
	t.Helper()
	return reportDBWith(t, year, func(*testing.T, *storetest.Fixture) {})
}

// reportDBWith is reportDBOf with more records, which fill makes.
func reportDBWith(t *testing.T, year int, fill func(*testing.T, *storetest.Fixture)) (dir, db string) {
	t.Helper()
	dir = t.TempDir()
	db = filepath.Join(dir, "writ.db")
	open := func(t *testing.T, now func() time.Time) *store.Store {
		rb, err := rules.Default()
		if err != nil {
			t.Fatal(err)
		}
		keys, err := sealing.LoadOrCreateKeys(filepath.Join(dir, "documents.key"))
		if err != nil {
			t.Fatal(err)
		}
		st, err := store.Open(context.Background(), db, store.Options{Rules: rb, Assessor: casework.NewAssessor(rb), Now: now, DocumentKeys: keys, Jobs: storetest.Jobs(t, db, now)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if _, err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return st
	}
	f := storetest.NewFixture(t, open)
	storetest.NewReportDataOf(t, f, year)
	fill(t, f)
	return dir, db
}

// TestReportCommandsPublishAndVerify publishes the report of a half-year
// that has ended (2025-H2: the command runs on the machine's clock) and
// verifies it; a half-year that has not ended is refused, however its
// figures were computed; a report published again names the one it
// replaces.
func TestReportCommandsPublishAndVerify(t *testing.T) {
	dir, db := reportDBOf(t, 2025)
	key := filepath.Join(dir, "log.key")
	out := filepath.Join(dir, "report.json")
	for _, args := range [][]string{{"--period", "2099-H1"}, {"--period", "2099-H1", "--as-of", "2100-01-01T00:00:00Z"}} {
		code, _, stderr := execWrit(t, "", nil, append([]string{"report", "--db", db, "--log-key", key, "--publish"}, args...)...)
		if code != 1 || !strings.Contains(stderr, "writ: error: the half-year 2099-H1 has not ended") {
			t.Fatalf("publishing %v: exit %d: %s", args, code, stderr)
		}
	}
	code, stdout, stderr := execWrit(t, "", nil, "report", "--db", db, "--log-key", key, "--period", "2099-H1")
	if code != 0 || !strings.Contains(stderr, "preliminary: 2099-H1 has not ended") || !strings.Contains(stdout, `"preliminary": true`) {
		t.Fatalf("a preliminary report: exit %d: %s", code, stderr)
	}
	code, _, stderr = execWrit(t, "", nil, "report", "--db", db, "--log-key", key, "--period", "2025-H2", "--publish", "--out", out)
	if code != 0 || !strings.Contains(stderr, "published report 2025-H2") || strings.Contains(stderr, "replaces") {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	code, _, stderr = execWrit(t, "", nil, "report", "--db", db, "--log-key", key, "--period", "2025-H2", "--publish", "--out", out+".2")
	if code != 0 || !strings.Contains(stderr, "it replaces the report published before with sha256 ") {
		t.Fatalf("published again: exit %d: %s", code, stderr)
	}
	published, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(published), `"demands_received": 17`) {
		t.Fatalf("the report: %v\n%s", err, published)
	}
	_, vkey, _ := execWrit(t, "", nil, "log", "key", "--log-key", key)
	// Checked with the public key only, as an auditor would.
	code, stdout, stderr = execWrit(t, "", nil, "report", "verify", "--db", db, "--verifier-key", strings.TrimSpace(vkey), out)
	if code != 0 || !strings.Contains(stdout, "report 2025-H2 verified") || !strings.Contains(stdout, "published") {
		t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
	}

	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE demands SET outcome = 'no_data' WHERE reference = 'US-REJECTED'`); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = execWrit(t, "", nil, "report", "verify", "--db", db, "--log-key", key, out)
	if code != 1 || !strings.Contains(stderr, "writ: error: report 2025-H2 does not verify") ||
		!strings.Contains(stderr, "the outcome is no_data in the records but rejected according to the log") {
		t.Fatalf("after a change: exit %d\n%s", code, stderr)
	}
}

func TestReportFormats(t *testing.T) {
	dir, db := reportDB(t)
	key := filepath.Join(dir, "log.key")
	code, stdout, stderr := execWrit(t, "", nil, "report", "--db", db, "--log-key", key, "--period", "2026-H2", "--format", "csv")
	if code != 0 {
		t.Fatalf("csv: exit %d: %s", code, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil || len(rows) != 1+3*7+2 || rows[0][0] != "schema_version" || rows[1][0] != "2" || rows[len(rows)-1][4] != "not_included" {
		t.Fatalf("csv: %v\n%s", err, stdout)
	}
	for format, prefix := range map[string]string{"html": "<!doctype html>", "pdf": "%PDF-1.4"} {
		code, stdout, stderr := execWrit(t, "", nil, "report", "--db", db, "--log-key", key, "--period", "2026-H2", "--format", format)
		if code != 0 || !strings.HasPrefix(stdout, prefix) {
			t.Errorf("%s: exit %d %s %.40q", format, code, stderr, stdout)
		}
	}
	for lang, want := range map[string]string{"en": "Transparency report 2026-H2", "fr": "Rapport de transparence 2026-H2", "de": "Transparenzbericht 2026-H2"} {
		for _, format := range []string{"html", "pdf"} {
			code, stdout, stderr := execWrit(t, "", nil, "report", "--db", db, "--log-key", key, "--period", "2026-H2", "--format", format, "--lang", lang)
			if code != 0 || !strings.Contains(stdout, want) {
				t.Errorf("%s in %s: exit %d %s, lacks %q", format, lang, code, stderr, want)
			}
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--period", "2026-H3"}, `writ: error: period: "2026-H3" is not a half-year`},
		{[]string{}, "writ: error: period: required"},
		{[]string{"--period", "2026-H2", "--format", "xls"}, `writ: error: format: "xls" is not json, csv, html or pdf`},
		{[]string{"--period", "2026-H2", "--format", "html", "--lang", "it"}, `writ: error: lang: "it" is not en, fr or de`},
		{[]string{"--period", "2026-H2", "--bands", "a5"}, `writ: error: bands: "a5" is not a structure of 50 U.S.C. 1874(a): choose one of a1, a2, a3, a4`},
	} {
		code, _, stderr := execWrit(t, "", nil, append([]string{"report", "--db", db, "--log-key", key}, c.args...)...)
		if code != 2 || !strings.HasPrefix(stderr, c.want) {
			t.Errorf("%v: exit %d, %q", c.args, code, stderr)
		}
	}
}

func TestCanaryCommands(t *testing.T) {
	dir, db := reportDB(t)
	key := filepath.Join(dir, "log.key")
	code, signed, stderr := execWrit(t, "", nil, "canary", "--db", db, "--log-key", key, "--period", "2026-H2", "--expires", "2027-08-01", "--publish")
	if code != 0 || !strings.HasPrefix(signed, "writ warrant canary v2\nperiod 2026-H2\n") ||
		!strings.Contains(signed, "statement not-included One category of demand is not included in this canary: demands of foreign national-security authorities.\n") ||
		strings.Contains(signed, "no-us-") || strings.Contains(signed, "no-national-security") {
		t.Fatalf("canary: exit %d %s\n%s", code, stderr, signed)
	}
	file := filepath.Join(dir, "canary.txt")
	if err := os.WriteFile(file, []byte(signed), 0o644); err != nil {
		t.Fatal(err)
	}
	_, vkey, _ := execWrit(t, "", nil, "log", "key", "--log-key", key)
	code, stdout, stderr := execWrit(t, "", nil, "canary", "verify", "--verifier-key", strings.TrimSpace(vkey), "--at", "2027-07-31T23:59:59Z", file)
	if code != 0 || !strings.Contains(stdout, "canary of 2026-H2 signed by writ.local/audit-log") || !strings.Contains(stdout, "  not-included: One category") {
		t.Fatalf("verify: exit %d %s%s", code, stdout, stderr)
	}
	code, _, stderr = execWrit(t, "", nil, "canary", "verify", "--log-key", key, "--at", "2027-08-01T00:00:00Z", file)
	if code != 1 || !strings.Contains(stderr, "writ: error: the canary expired at 2027-08-01T00:00:00Z") {
		t.Fatalf("expired: exit %d %s", code, stderr)
	}
	forged := strings.Replace(signed, "statement not-included", "statement no-x Nothing at all was received.\nstatement not-included", 1)
	os.WriteFile(file, []byte(forged), 0o644)
	code, _, stderr = execWrit(t, "", nil, "canary", "verify", "--log-key", key, file)
	if code != 2 || !strings.Contains(stderr, "signature") {
		t.Fatalf("forged: exit %d %s", code, stderr)
	}
}

// writ report --bands builds the report with each structure of 1874(a),
// and writ report verify checks it by the structure it states; a rulebook
// whose settings are a1 and foreign national-security demands included
// makes those the default, for the report and for the canary.
func TestReportBandStructures(t *testing.T) {
	dir, db := reportDBWith(t, 2026, func(t *testing.T, f *storetest.Fixture) { storetest.NewBandData(t, f) })
	key := filepath.Join(dir, "log.key")
	wants := map[string]string{
		"a1": `[{"nsl","2026-H2","0-999","0-999"},{"fisa_contents","2025-H1","0-999","1000-1999"},{"fisa_non_contents","2025-H1","0-999","0-999"}]`,
		"a2": `[{"nsl","2026-H2","0-499","0-499"},{"fisa_contents","2025-H1","0-499","1000-1499"},{"fisa_non_contents","2025-H1","0-499","0-499"}]`,
		"a3": `[{"us_national_security_process","2026-H2","0-249","250-499"}]`,
		"a4": `[{"us_national_security_process","2025","0-99","2100-2199"}]`,
	}
	bands := func(t *testing.T, file string) (*report.Report, string) {
		t.Helper()
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		r, err := report.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, f := range r.NationalSecurity.Figures {
			parts = append(parts, fmt.Sprintf("{%q,%q,%q,%q}", f.Process, f.Period, f.Demands, f.Selectors))
		}
		return r, "[" + strings.Join(parts, ",") + "]"
	}
	for _, code := range []string{"a1", "a2", "a3", "a4"} {
		out := filepath.Join(dir, code+".json")
		c, _, stderr := execWrit(t, "", nil, "report", "--db", db, "--log-key", key, "--period", "2026-H2", "--bands", code,
			"--as-of", "2027-01-15T00:00:00Z", "--out", out)
		if c != 0 {
			t.Fatalf("%s: exit %d: %s", code, c, stderr)
		}
		r, got := bands(t, out)
		if got != wants[code] || r.NationalSecurity.Structure != code {
			t.Errorf("%s: bands %s, want %s", code, got, wants[code])
		}
		c, stdout, stderr := execWrit(t, "", nil, "report", "verify", "--db", db, "--log-key", key, out)
		if c != 0 || !strings.Contains(stdout, "report 2026-H2 verified") {
			t.Errorf("%s: verify: exit %d\n%s%s", code, c, stdout, stderr)
		}
	}

	rbDir := settingsRulebook(t)
	out := filepath.Join(dir, "settings.json")
	c, _, stderr := execWrit(t, "", nil, "report", "--db", db, "--log-key", key, "--rulebook", rbDir, "--period", "2026-H2",
		"--as-of", "2027-01-15T00:00:00Z", "--out", out)
	if c != 0 {
		t.Fatalf("with the rulebook's settings: exit %d: %s", c, stderr)
	}
	r, got := bands(t, out)
	if got != wants["a1"] || r.NotIncluded.Statement != "No category of demand is left out of this report." ||
		!slices.ContainsFunc(r.Countries, func(c report.CountryFigures) bool { return c.Country == "GB" && c.Demands == 2 }) {
		t.Errorf("with the rulebook's settings: bands %s, %+v, countries %+v", got, r.NotIncluded, r.Countries)
	}
	if c, stdout, stderr := execWrit(t, "", nil, "report", "verify", "--db", db, "--log-key", key, "--rulebook", rbDir, out); c != 0 {
		t.Errorf("verify with the rulebook's settings: exit %d\n%s%s", c, stdout, stderr)
	}
	// The canary of a half-year that has ended states the three bands of
	// a1 and leaves nothing out.
	c, signed, stderr := execWrit(t, "", nil, "canary", "--db", db, "--log-key", key, "--rulebook", rbDir, "--period", "2025-H2", "--expires", "2099-01-01")
	if c != 0 {
		t.Fatalf("canary: exit %d: %s", c, stderr)
	}
	for _, want := range []string{
		"statement not-included No category of demand is left out of this canary.\n",
		"statement us-nsl-band National security letters received in 2025-H2, in bands of 1000 (50 U.S.C. 1874(a)(1)): 0-999, targeting 0-999 selectors.\n",
		"statement us-fisa-contents-band FISA orders and directives for contents received in 2024-H1, in bands of 1000 (50 U.S.C. 1874(a)(1)): 0-999, targeting 0-999 selectors.\n",
		"statement us-fisa-non-contents-band FISA orders for non-contents received in 2024-H1, in bands of 1000 (50 U.S.C. 1874(a)(1)): 0-999, targeting 0-999 selectors.\n",
	} {
		if !strings.Contains(signed, want) {
			t.Errorf("the canary lacks %q:\n%s", want, signed)
		}
	}
}

// settingsRulebook is a copy of the built-in rulebook with the bands of
// 1874(a)(1) and foreign national-security demands included, in a folder.
func settingsRulebook(t *testing.T) string {
	t.Helper()
	_, dir := storetest.RulebookWith(t, "national_security_bands: a3", "national_security_bands: a1",
		"include_foreign_national_security: false", "include_foreign_national_security: true")
	return dir
}

// A PDF is never written to a terminal: /dev/null is a character device,
// as a terminal is, and gets nothing.
func TestReportPDFIsNotWrittenToATerminal(t *testing.T) {
	tty, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	var errOut strings.Builder
	sio := &stdio{in: strings.NewReader(""), out: tty, err: &errOut, getenv: func(string) string { return "" }}
	dir := t.TempDir()
	code := run(context.Background(), sio, []string{"report", "--period", "2026-H2", "--format", "pdf", "--db", filepath.Join(dir, "writ.db")})
	want := "writ: error: out: a PDF is not written to a terminal\nwrit: hint: pass --out report.pdf, or redirect standard output to a file\n"
	if code != 2 || errOut.String() != want {
		t.Fatalf("exit %d, stderr %q, want 2 and %q", code, errOut.String(), want)
	}
}
