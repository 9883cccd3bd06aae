package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

func TestLogVerifyNamesTheTamperedEntry(t *testing.T) {
	dir := t.TempDir()
	db, key := filepath.Join(dir, "writ.db"), filepath.Join(dir, "log.key")
	if code, _, stderr := execWrit(t, "", nil, "demo", "--demands", "20", "--db", db); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	code, checkpoint, stderr := execWrit(t, "", nil, "log", "checkpoint", "--db", db, "--log-key", key)
	if code != 0 || !strings.HasPrefix(checkpoint, "writ.local/audit-log\n") {
		t.Fatalf("checkpoint: exit %d %s %s", code, checkpoint, stderr)
	}
	code, out, stderr := execWrit(t, "", nil, "log", "verify", "--db", db, "--log-key", key)
	if code != 0 || !strings.Contains(out, "verified") {
		t.Fatalf("untouched log: exit %d %s %s", code, out, stderr)
	}
	_, vkey, _ := execWrit(t, "", nil, "log", "key", "--log-key", key)
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE events SET actor = 'Nobody' WHERE log_index = 42`); err != nil {
		t.Fatal(err)
	}
	// Verified with only the public key, as an auditor without the
	// signing key would.
	code, _, stderr = execWrit(t, "", nil, "log", "verify", "--db", db, "--verifier-key", strings.TrimSpace(vkey))
	if code != 1 || !strings.Contains(stderr, "writ: error: the log does not verify: log entry 42:") {
		t.Fatalf("tampered log: exit %d, stderr %q", code, stderr)
	}
}
