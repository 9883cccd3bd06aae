package storetest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"writ"
	"writ/store"
)

// RunUploads runs the tests of upload quotas and document names against
// the stores open makes, configured with small quotas.
func RunUploads(t *testing.T, open func(configure func(*store.Options)) Opener) {
	small := open(func(o *store.Options) { o.DemandQuota, o.AgencyQuota = 3000, 5000 })
	t.Run("QuotasPerDemandAndPerAgency", func(t *testing.T) { testUploadQuotas(t, NewFixture(t, small)) })
	t.Run("ConcurrentUploadsStayWithinTheQuota", func(t *testing.T) { testConcurrentQuota(t, NewFixture(t, small)) })
	t.Run("NamesMatchTheSniffedType", func(t *testing.T) { testDocumentNames(t, NewFixture(t, open(nil))) })
}

// pdf is a document of n bytes that sniffs as a PDF, different for each tag.
func pdf(tag string, n int) []byte {
	b := []byte("%PDF-1.7 " + tag + " ")
	return append(b, bytes.Repeat([]byte("x"), n-len(b))...)
}

func testUploadQuotas(t *testing.T, f *Fixture) {
	d1 := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	d2 := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	_, err := f.Store.AddDocument(ctx, f.AgencyUserUS, d1.ID, "a.pdf", pdf("a", 2000))
	check(t, err)
	// 2000 + 1001 > 3000: the demand's quota.
	_, err = f.Store.AddDocument(ctx, f.AgencyUserUS, d1.ID, "b.pdf", pdf("b", 1001))
	wantCode(t, err, writ.ETOOLARGE, "document")
	// The legal team is held to the demand's quota too.
	_, err = f.Store.AddDocument(ctx, f.Reviewer, d1.ID, "c.pdf", pdf("c", 1001))
	wantCode(t, err, writ.ETOOLARGE, "document")
	_, err = f.Store.AddDocument(ctx, f.AgencyUserUS, d1.ID, "b.pdf", pdf("b", 1000))
	check(t, err)
	// 3000 uploaded by the agency today; 2001 more passes the agency's 5000.
	_, err = f.Store.AddDocument(ctx, f.AgencyUserUS, d2.ID, "d.pdf", pdf("d", 2001))
	wantCode(t, err, writ.ETOOMANY, "document")
	// Another agency has its own quota; the legal team has none of its own.
	d3 := submit(t, f, f.AgencyUserDE, writ.DemandInput{Instrument: "eu_epoc", IssuedBy: "judge", DataCategories: []string{"subscriber"}, Accounts: []string{"joe@mail.example"}})
	_, err = f.Store.AddDocument(ctx, f.AgencyUserDE, d3.ID, "e.pdf", pdf("e", 2000))
	check(t, err)
	_, err = f.Store.AddDocument(ctx, f.Reviewer, d2.ID, "f.pdf", pdf("f", 2500))
	check(t, err)
	// A day later the agency may upload again.
	f.Clock.Advance(store.AgencyQuotaWindow + time.Minute)
	_, err = f.Store.AddDocument(ctx, f.AgencyUserUS, d2.ID, "d.pdf", pdf("d", 500))
	check(t, err)
	docs, err := f.Store.Documents(ctx, f.Reviewer, d1.ID)
	check(t, err)
	if len(docs) != 2 {
		t.Fatalf("demand %d holds %d documents, want 2", d1.ID, len(docs))
	}
}

// Eight uploads at once, each within the demand's quota alone, are
// serialised: no more are stored than the quota holds.
func testConcurrentQuota(t *testing.T, f *Fixture) {
	d := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = f.Store.AddDocument(ctx, f.AgencyUserUS, d.ID, fmt.Sprintf("%d.pdf", i), pdf(fmt.Sprint(i), 1000))
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch writ.ErrorCode(err) {
		case "":
			ok++
		case writ.ETOOLARGE:
		default:
			t.Fatal(err)
		}
	}
	docs, err := f.Store.Documents(ctx, f.Reviewer, d.ID)
	check(t, err)
	if ok != 3 || len(docs) != 3 {
		t.Fatalf("%d uploads accepted and %d stored, want 3 (3000 bytes of 1000-byte documents)", ok, len(docs))
	}
}

func testDocumentNames(t *testing.T, f *Fixture) {
	d := submit(t, f, f.AgencyUserUS, Warrant("joe@mail.example"))
	for i, c := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"invoice.html", pdf("1", 100), "invoice.html.pdf"},
		{"warrant.PDF", pdf("2", 100), "warrant.PDF"},
		{"scan", []byte("\x89PNG\r\n\x1a\n3"), "scan.png"},
		{"photo.jpeg", []byte("\xff\xd8\xff4"), "photo.jpeg"},
		{"photo.png", []byte("\xff\xd8\xff5"), "photo.png.jpg"},
		{`C:\Users\x\order.tiff`, []byte("II*\x006"), "order.tiff"},
		{".pdf", pdf("7", 100), ".pdf.pdf"},
	} {
		doc, err := f.Store.AddDocument(ctx, f.AgencyUserUS, d.ID, c.name, c.content)
		check(t, err)
		if doc.Name != c.want {
			t.Errorf("%d: %q stored as %q, want %q", i, c.name, doc.Name, c.want)
		}
	}
	for _, name := range []string{"a\x00.pdf", "a\r\n.pdf", ""} {
		_, err := f.Store.AddDocument(ctx, f.AgencyUserUS, d.ID, name, pdf(name, 100))
		wantCode(t, err, writ.EINVALID, "name")
	}
}
