package eevidence

import (
	"io"
	"strings"

	"writ/report"
)

// WritePDF prints the draft: the order, each ground with a box ticked or
// not, the findings and deadlines behind it, and what is left to complete.
func WritePDF(w io.Writer, d Draft) error {
	doc := report.NewDocument("Annex III: impossibility to execute (draft)")
	doc.Paragraph(d.Form + ". Drafted by writ from the assessment of the order; the legal team completes, signs and sends it.")
	doc.Heading("A. The order")
	o := d.Order
	doc.Field("Order", label(o.Kind)+", reference "+orNone(o.Reference)+", demand "+itoa(o.DemandID))
	doc.Field("Issuing authority", o.IssuingAuthority+" ("+o.IssuingState+"), issued by "+o.IssuedBy+validated(o.ValidatedBy))
	doc.Field("Received", o.ReceivedAt.UTC().Format("2 January 2006, 15:04 UTC"))
	doc.Field("Data asked for", strings.Join(o.DataCategories, ", "))
	doc.Heading("B. Execution")
	if d.Execution == "partial" {
		doc.Paragraph("The order can be executed only in part: " + strings.Join(d.Producible, ", ") + " can be produced.")
	} else {
		doc.Paragraph("The order cannot be executed.")
	}
	doc.Heading("C. Grounds")
	for _, g := range d.Grounds {
		box := "[ ]"
		if g.Ticked {
			box = "[X]"
		}
		doc.Field(box+" "+g.Article, g.Text)
	}
	doc.Heading("D. Findings")
	for _, f := range d.Findings {
		doc.Field(f.Code, f.Message)
	}
	doc.Heading("E. Deadlines")
	for _, dl := range d.Deadlines {
		doc.Field(dl.Code+", "+dl.Due.UTC().Format("2 January 2006, 15:04 UTC"), dl.Message)
	}
	doc.Heading("F. To complete before sending")
	for _, s := range d.ToComplete {
		doc.Paragraph("- " + s)
	}
	if len(d.Languages) > 0 {
		doc.Paragraph("Languages in which the provider accepts certificates: " + strings.Join(d.Languages, ", ") + ".")
	}
	return doc.Write(w, "Annex III draft, demand "+itoa(o.DemandID), o.ReceivedAt)
}

func label(kind string) string {
	if kind == "eu_epoc_pr" {
		return "European Preservation Order (EPOC-PR)"
	}
	return "European Production Order (EPOC)"
}

func orNone(s string) string {
	if s == "" {
		return "none given"
	}
	return s
}

func validated(by string) string {
	if by == "" {
		return ", not validated"
	}
	return ", validated by " + by
}
