// Package certpdf prints a certificate of authenticity as PDF, with the
// report's document writer; it is apart from package certificate so that
// the store, which drafts and signs certificates, knows nothing of
// printing.
package certpdf

import (
	"fmt"
	"io"
	"strings"

	"writ/certificate"
	"writ/report"
)

// Write prints the certificate: the declaration, the files with their
// digests, and the signature, or a line to sign on while it is a draft.
func Write(w io.Writer, c certificate.Certificate) error {
	title := c.Title
	if c.Signature == nil {
		title += " (draft)"
	}
	doc := report.NewDocument(title)
	doc.Paragraph(strings.Join(c.Authorities, "; ") + ".")
	doc.Heading("The demand")
	d := c.Demand
	doc.Field("Legal process", d.Instrument+", reference "+orNone(d.Reference)+", demand "+fmt.Sprint(d.ID))
	doc.Field("Requesting agency", d.Agency+" ("+d.AgencyCountry+")")
	doc.Field("Received", d.ReceivedAt.UTC().Format("2 January 2006, 15:04 UTC"))
	doc.Heading("Declaration")
	for i, s := range c.Statements {
		doc.Paragraph(fmt.Sprintf("%d. %s", i+1, s))
	}
	doc.Heading("The records produced")
	for _, f := range c.Files {
		doc.Field(f.Name, fmt.Sprintf("%d bytes, SHA-256 %s", f.Size, f.SHA256))
	}
	doc.Field("The package", "SHA-256 of its manifest (sha256sum's lines, sorted) "+c.PackageSHA256)
	doc.Heading("Signature")
	doc.Paragraph(c.Attestation)
	created := d.ReceivedAt
	if s := c.Signature; s != nil {
		doc.Field("Signed", "/s/ "+s.Name+", "+s.Title)
		doc.Field("Executed on", s.SignedAt.Format("2 January 2006, 15:04 UTC")+", signed in writ by the account "+s.Account+" with its "+s.SecondFactor)
		created = s.SignedAt
	} else {
		doc.Paragraph("Not signed yet: the custodian signs this certificate in writ before the production is made available.")
	}
	return doc.Write(w, fmt.Sprintf("Certificate of authenticity, demand %d", d.ID), created)
}

func orNone(s string) string {
	if s == "" {
		return "none given"
	}
	return s
}
