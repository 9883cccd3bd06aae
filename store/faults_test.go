package store_test

import (
	"context"
	"fmt"
	"testing"

	"writ"
	"writ/store"
	"writ/store/storetest"
)

// A full disk during an upload gives a clear error and leaves nothing
// half-written: neither the document nor its link nor its event.
func TestDiskFullOnUploadWritesNothing(t *testing.T) {
	ctx := context.Background()
	f := storetest.NewFixture(t, storetest.SQLite)
	d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, storetest.Warrant("joe@mail.example"), "")
	if err != nil {
		t.Fatal(err)
	}
	var pages, events int64
	if err := store.QueryRaw(f.Store, `PRAGMA page_count`, &pages); err != nil {
		t.Fatal(err)
	}
	if err := store.QueryRaw(f.Store, `SELECT count(*) FROM events`, &events); err != nil {
		t.Fatal(err)
	}
	// The database may grow by a few pages only: as if the disk were full.
	if err := store.ExecRaw(f.Store, fmt.Sprintf("PRAGMA max_page_count = %d", pages+8)); err != nil {
		t.Fatal(err)
	}
	content := append([]byte("%PDF-1.7\n"), make([]byte, 1<<20)...)
	_, err = f.Store.AddDocument(ctx, f.AgencyUserUS, d.ID, "big.pdf", content)
	if code := writ.ErrorCode(store.Classify(err)); code != writ.ESTORAGE {
		t.Fatalf("upload on a full disk: %v (code %s), want ESTORAGE", err, code)
	}
	if msg := writ.ErrorMessage(store.Classify(err)); msg != "the server's storage is full; nothing was written" {
		t.Fatalf("message %q", msg)
	}
	var docs, links, after int64
	store.QueryRaw(f.Store, `SELECT count(*) FROM documents`, &docs)
	store.QueryRaw(f.Store, `SELECT count(*) FROM demand_documents`, &links)
	store.QueryRaw(f.Store, `SELECT count(*) FROM events`, &after)
	if docs != 0 || links != 0 || after != events {
		t.Fatalf("a failed upload left %d documents, %d links, %d new events", docs, links, after-events)
	}
	// Space again: the same upload goes through.
	if err := store.ExecRaw(f.Store, `PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.AddDocument(ctx, f.AgencyUserUS, d.ID, "big.pdf", content); err != nil {
		t.Fatal(err)
	}
}
