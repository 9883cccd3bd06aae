package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"writ"
	"writ/casework"
	"writ/rules"
	"writ/sealing"
	"writ/store"
	"writ/store/storetest"
)

// A backup taken while writ has data restores to a database whose audit
// log verifies and whose demands equal the original's.
func TestBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	db, key, docs := filepath.Join(dir, "writ.db"), filepath.Join(dir, "log.key"), filepath.Join(dir, "documents.key")
	common := []string{"--documents-key", docs}
	if code, _, stderr := execWrit(t, "", nil, append([]string{"demo", "--demands", "40", "--db", db}, common...)...); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := execWrit(t, "", nil, append([]string{"log", "checkpoint", "--db", db, "--log-key", key}, common...)...); code != 0 {
		t.Fatal(stderr)
	}
	backup := filepath.Join(dir, "backups", "writ-backup.db")
	if code, out, stderr := execWrit(t, "", nil, append([]string{"backup", "--db", db, "--out", backup}, common...)...); code != 0 || !strings.Contains(out, "backed up") {
		t.Fatalf("backup: %d %s %s", code, out, stderr)
	}
	if code, _, stderr := execWrit(t, "", nil, append([]string{"backup", "--db", db, "--out", backup}, common...)...); code != 2 || !strings.Contains(stderr, "exists") {
		t.Fatalf("a second backup to the same file: %d %s", code, stderr)
	}
	restored := filepath.Join(dir, "restored", "writ.db")
	if code, _, stderr := execWrit(t, "", nil, append([]string{"restore", "--from", backup, "--db", restored}, common...)...); code != 0 {
		t.Fatalf("restore: %s", stderr)
	}
	code, out, stderr := execWrit(t, "", nil, append([]string{"log", "verify", "--db", restored, "--log-key", key}, common...)...)
	if code != 0 || !strings.Contains(out, "verified") {
		t.Fatalf("restored log: %d %s %s", code, out, stderr)
	}
	if a, b := dumpDemands(t, db, docs), dumpDemands(t, restored, docs); a != b || !strings.Contains(a, "DEMO-00040") {
		t.Fatalf("restored demands differ from the original")
	}
	if code, _, stderr := execWrit(t, "", nil, append([]string{"restore", "--from", backup, "--db", restored}, common...)...); code != 2 || !strings.Contains(stderr, "--force") {
		t.Fatalf("restore over a database without --force: %d %s", code, stderr)
	}
}

// dumpDemands is every demand of a database as JSON, newest first.
func dumpDemands(t *testing.T, db, documentsKey string) string {
	t.Helper()
	ctx := context.Background()
	rb, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := sealing.LoadOrCreateKeys(documentsKey)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, db, store.Options{Rules: rb, Assessor: casework.NewAssessor(rb), DocumentKeys: keys, Jobs: storetest.Jobs(t, db, nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var all []writ.Demand
	cursor := ""
	for {
		page, err := st.Demands(ctx, writ.System(), writ.DemandFilter{Limit: 500, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Items...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	b, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
