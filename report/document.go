package report

import (
	"fmt"
	"io"
	"time"
)

// Document is a plain printed form in the report's own PDF writer: a
// title, headings, wrapped paragraphs and labelled lines, in the standard
// fonts, the same input always giving the same bytes. Other packages print
// their forms with it (the e-Evidence forms, say), in English: the forms
// are the regulation's annexes, filled in the language the provider
// answers in.
type Document struct{ d *pdf }

// NewDocument starts an A4 document with its title at the top.
func NewDocument(title string) *Document {
	d := newPDF(reader{}, func(title string, page, pages int) string {
		return fmt.Sprintf("%s, page %d of %d", title, page, pages)
	})
	d.text(margin, d.y+18, 16, true, title)
	d.y += 28
	return &Document{d: d}
}

// Heading starts a section.
func (doc *Document) Heading(s string) { doc.d.heading(s) }

// Paragraph writes text wrapped to the page's width.
func (doc *Document) Paragraph(s string) { doc.d.paragraph(9, s) }

// Field writes a labelled line: the label in bold, then the value wrapped.
func (doc *Document) Field(label, value string) {
	doc.d.ensure(14)
	doc.d.text(margin, doc.d.y+9, 9, true, label)
	doc.d.y += 12
	doc.d.paragraph(9, value)
}

// Write writes the document with its title in the metadata and on every
// page's footer.
func (doc *Document) Write(w io.Writer, title string, created time.Time) error {
	return doc.d.write(w, title, created)
}
