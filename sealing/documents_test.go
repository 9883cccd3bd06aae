package sealing_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"writ/store/storetest"
)

func TestDocumentsAreSealedAndKeysRotate(t *testing.T) { eachDatabase(t, testDocumentsSealed) }

func testDocumentsSealed(t *testing.T, f *fixture) {
	d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, storetest.Warrant("joe@mail.example"), "")
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("%PDF-1.7 the warrant's secret text")
	doc, err := f.Store.AddDocument(ctx, f.AgencyUserUS, d.ID, "w.pdf", content)
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	var keyID string
	if err := f.raw.Query(`SELECT content FROM documents WHERE sha256 = $1`, &raw, doc.SHA256); err != nil {
		t.Fatal(err)
	}
	if err := f.raw.Query(`SELECT key_id FROM documents WHERE sha256 = $1`, &keyID, doc.SHA256); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("secret")) || keyID == "" || len(raw) != len(content)+12+16 {
		t.Fatalf("stored content is not sealed: key %q, %d bytes", keyID, len(raw))
	}
	// Sealed content copied into another document's row does not open.
	other, err := f.Store.AddDocument(ctx, f.AgencyUserUS, d.ID, "other.pdf", []byte("%PDF-1.7 another"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.raw.Exec(`UPDATE documents SET content = $1 WHERE sha256 = $2`, raw, other.SHA256); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.Store.DocumentContent(ctx, f.Reviewer, d.ID, other.SHA256); err == nil {
		t.Fatal("a document opened with another document's sealed content")
	}
	if err := f.raw.Exec(`DELETE FROM demand_documents WHERE sha256 = $1`, other.SHA256); err != nil {
		t.Fatal(err)
	}
	if err := f.raw.Exec(`DELETE FROM documents WHERE sha256 = $1`, other.SHA256); err != nil {
		t.Fatal(err)
	}

	n, err := f.keys.Rotate(ctx, f.Store)
	if err != nil || n != 1 {
		t.Fatalf("rotation sealed %d documents: %v", n, err)
	}
	var newID string
	if err := f.raw.Query(`SELECT key_id FROM documents WHERE sha256 = $1`, &newID, doc.SHA256); err != nil {
		t.Fatal(err)
	}
	if newID == keyID {
		t.Fatal("the document kept its old key")
	}
	_, got, err := f.Store.DocumentContent(ctx, f.Reviewer, d.ID, doc.SHA256)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("after rotation: %q, %v", got, err)
	}
	file, err := os.ReadFile(f.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(file)), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], newID+" ") {
		t.Fatalf("key file after rotation:\n%s", file)
	}
}

func TestProductionFilesRotateWithTheKey(t *testing.T) { eachDatabase(t, testProductionFilesRotate) }

// A key rotation seals the production's files anew too, before it drops
// the old key: the agency can still download them.
func testProductionFilesRotate(t *testing.T, f *fixture) {
	d := f.ApprovedEmergency(t)
	p, err := f.Store.Produce(ctx, f.Reviewer, d.ID, storetest.SubscriberPackage("joe,+1 555 0111\n"))
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	if err := f.raw.Query(`SELECT content FROM production_files WHERE sha256 = $1`, &raw, p.Files[0].SHA256); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("555 0111")) {
		t.Fatal("the production's file is stored in the clear")
	}
	if n, err := f.keys.Rotate(ctx, f.Store); err != nil || n != 1 {
		t.Fatalf("rotation sealed %d: %v", n, err)
	}
	_, got, err := f.Store.DownloadProduction(ctx, f.Reviewer, d.ID, p.Files[0].SHA256)
	if err != nil || string(got) != "joe,+1 555 0111\n" {
		t.Fatalf("after rotation: %q, %v", got, err)
	}
}
