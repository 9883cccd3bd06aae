package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"writ/rules"
	"writ/store"
	"writ/store/storetest"
)

// reportDB makes a SQLite database at a known path holding the report data
// set of 2026-H2, for the command line to work on.
func reportDB(t *testing.T) (dir, db string) {
	t.Helper()
	return reportDBOf(t, 2026)
}

// reportDBOf makes one holding the report data set moved to the second
// half of year.
func reportDBOf(t *testing.T, year int) (dir, db string) {
	t.Helper()
	dir = t.TempDir()
	db = filepath.Join(dir, "writ.db")
	open := func(t *testing.T, now func() time.Time) *store.Store {
		rb, err := rules.Default()
		if err != nil {
			t.Fatal(err)
		}
		keys, err := store.LoadOrCreateDocumentKeys(filepath.Join(dir, "documents.key"))
		if err != nil {
			t.Fatal(err)
		}
		st, err := store.Open(context.Background(), db, store.Options{Rules: rb, Now: now, DocumentKeys: keys})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if _, err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return st
	}
	storetest.NewReportDataOf(t, storetest.NewFixture(t, open), year)
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
	if err != nil || len(rows) != 1+3*7+1 || rows[0][0] != "schema_version" || rows[1][0] != "1" {
		t.Fatalf("csv: %v\n%s", err, stdout)
	}
	for format, prefix := range map[string]string{"html": "<!doctype html>", "pdf": "%PDF-1.4"} {
		code, stdout, stderr := execWrit(t, "", nil, "report", "--db", db, "--log-key", key, "--period", "2026-H2", "--format", format)
		if code != 0 || !strings.HasPrefix(stdout, prefix) {
			t.Errorf("%s: exit %d %s %.40q", format, code, stderr, stdout)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--period", "2026-H3"}, `writ: error: period: "2026-H3" is not a half-year`},
		{[]string{}, "writ: error: period: required"},
		{[]string{"--period", "2026-H2", "--format", "xls"}, `writ: error: format: "xls" is not json, csv, html or pdf`},
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
	if code != 0 || !strings.HasPrefix(signed, "writ warrant canary v1\nperiod 2026-H2\n") || !strings.Contains(signed, "statement no-us-nsl ") {
		t.Fatalf("canary: exit %d %s\n%s", code, stderr, signed)
	}
	file := filepath.Join(dir, "canary.txt")
	if err := os.WriteFile(file, []byte(signed), 0o644); err != nil {
		t.Fatal(err)
	}
	_, vkey, _ := execWrit(t, "", nil, "log", "key", "--log-key", key)
	code, stdout, stderr := execWrit(t, "", nil, "canary", "verify", "--verifier-key", strings.TrimSpace(vkey), "--at", "2027-07-31T23:59:59Z", file)
	if code != 0 || !strings.Contains(stdout, "canary of 2026-H2 signed by writ.local/audit-log") || !strings.Contains(stdout, "no-us-nsl:") {
		t.Fatalf("verify: exit %d %s%s", code, stdout, stderr)
	}
	code, _, stderr = execWrit(t, "", nil, "canary", "verify", "--log-key", key, "--at", "2027-08-01T00:00:00Z", file)
	if code != 1 || !strings.Contains(stderr, "writ: error: the canary expired at 2027-08-01T00:00:00Z") {
		t.Fatalf("expired: exit %d %s", code, stderr)
	}
	forged := strings.Replace(signed, "statement no-long-gag", "statement no-x Nothing at all was received.\nstatement no-long-gag", 1)
	if forged == signed {
		forged = strings.Replace(signed, "statement no-us-nsl", "statement no-x Nothing at all was received.\nstatement no-us-nsl", 1)
	}
	os.WriteFile(file, []byte(forged), 0o644)
	code, _, stderr = execWrit(t, "", nil, "canary", "verify", "--log-key", key, file)
	if code != 2 || !strings.Contains(stderr, "signature") {
		t.Fatalf("forged: exit %d %s", code, stderr)
	}
}
