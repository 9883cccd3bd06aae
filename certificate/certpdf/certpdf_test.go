package certpdf

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"writ/certificate"
)

// The draft and the signed certificate both print, with the files.
func TestCertificatePrints(t *testing.T) {
	d := certificate.Demand{ID: 7, Reference: "SW-77", Agency: "FBI Field Office", AgencyCountry: "US", Instrument: "us_search_warrant",
		ReceivedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	draft := certificate.Draft("Example Cloud", d, []certificate.File{{Name: "joe-mailbox.mbox", Size: 82, SHA256: strings.Repeat("ab", 32)}}, strings.Repeat("cd", 32))
	signed := draft.Signed(certificate.Signature{Name: "Avery Approver", Title: "Custodian of Records", Account: "approver@cloud.example",
		SignedAt: time.Date(2026, 11, 28, 15, 30, 0, 0, time.UTC), SecondFactor: "authenticator code"})
	for _, c := range []certificate.Certificate{draft, signed} {
		var pdf bytes.Buffer
		if err := Write(&pdf, c); err != nil || !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-1.4")) || !bytes.Contains(pdf.Bytes(), []byte("joe-mailbox.mbox")) {
			t.Fatalf("the PDF: %v\n%.400s", err, pdf.Bytes())
		}
	}
}
