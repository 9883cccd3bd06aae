package report

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// The printable report is a PDF written here rather than by a browser or a
// library: text in the PDF standard fonts (Helvetica, which every reader
// has, so nothing is embedded), tables, and the same charts as the HTML
// drawn as vector rectangles. The same report always gives the same bytes.

// WritePDF writes the report as an A4 PDF document in the language of w.
//
// Long because: it lays out the report's pages in reading order, section
// after section.
func WritePDF(out io.Writer, p Page, w Words) error {
	r := p.Report
	rd := reader{w}
	d := newPDF(rd, func(title string, page, pages int) string {
		return w.T("report.pdf.page", title, strconv.Itoa(page), strconv.Itoa(pages))
	})
	title := w.T("report.title", r.Period)
	d.text(margin, d.y+18, 18, true, title)
	d.y += 28
	d.paragraph(9, w.T("report.lead", w.Date(r.PeriodStart.UTC()), rd.dateBefore(r.PeriodEnd), w.DateTime(r.AsOf)))
	if r.NotIncluded.Statement != "" {
		d.paragraph(9, rd.notIncluded(r.NotIncluded))
	}

	d.heading(w.T("report.summary"))
	t := r.Totals
	summary := [][2]string{
		{w.T("report.demands_received"), rd.number(t.Demands)},
		{w.T("report.accounts_specified"), rd.number(t.Accounts)},
	}
	for _, g := range OutcomeGroups() {
		s := t.Outcomes.Group(g)
		summary = append(summary, [2]string{rd.group(g), fmt.Sprintf("%s (%s)", rd.number(s.Demands), rd.percent(s.Percent))})
	}
	summary = append(summary,
		[2]string{w.T("report.emergency_with_data"), fmt.Sprintf("%s (%s)", rd.number(t.Emergency), rd.number(t.EmergencyWithData))},
		[2]string{w.T("report.pdf.enterprise_with_data"), fmt.Sprintf("%s (%s)", rd.number(t.EnterpriseCustomers), rd.number(t.EnterpriseCustomersWithData))},
		[2]string{w.T("report.pdf.delayed_notices"), rd.number(t.DelayedNotices)},
	)
	for _, f := range r.NationalSecurity.Figures {
		summary = append(summary, [2]string{w.T("report.band_received", rd.processShort(f.Process), f.Period), f.Demands})
	}
	for i, row := range summary {
		d.ensure(13)
		if i >= 2 && i < 2+len(OutcomeGroups()) {
			d.rect(margin, d.y+2, 8, 8, GroupColor(OutcomeGroups()[i-2]))
		}
		d.text(margin+12, d.y+9, 9, false, row[0])
		d.textRight(margin+360, d.y+9, 9, false, row[1])
		d.y += 13
	}

	d.heading(w.T("report.over_time"))
	d.periodsChart(p.History)

	d.heading(w.T("report.by_country"))
	d.countriesChart(r.Countries)
	cols := []column{{w.T("report.col.country"), 78}, {w.T("report.col.demands"), 38}, {w.T("report.col.accounts"), 38}}
	for _, g := range OutcomeGroups() {
		cols = append(cols, column{rd.groupShort(g), 35})
	}
	cols = append(cols, column{w.T("report.pdf.emergency"), 38}, column{w.T("report.pdf.enterprise"), 38}, column{w.T("report.pdf.delayed"), 38})
	var rows [][]string
	for _, c := range r.Countries {
		row := []string{rd.country(c.Country, c.CountryName) + " (" + c.Country + ")", rd.number(c.Demands), rd.number(c.Accounts)}
		for _, g := range OutcomeGroups() {
			row = append(row, rd.number(c.Outcomes.Group(g).Demands))
		}
		row = append(row, rd.number(c.Emergency), rd.number(c.EnterpriseCustomers), rd.number(c.DelayedNotices))
		rows = append(rows, row)
	}
	d.table(cols, rows)

	d.heading(w.T("report.by_instrument"))
	cols = []column{{w.T("report.col.instrument"), 150}, {w.T("report.col.demands"), 44}, {w.T("report.col.accounts"), 44}}
	for _, g := range OutcomeGroups() {
		cols = append(cols, column{rd.groupShort(g), 40})
	}
	rows = nil
	for _, in := range r.Instruments {
		if in.Demands == 0 {
			continue
		}
		row := []string{rd.instrument(in.Instrument, in.Name), rd.number(in.Demands), rd.number(in.Accounts)}
		for _, g := range OutcomeGroups() {
			row = append(row, rd.number(in.Outcomes.Group(g).Demands))
		}
		rows = append(rows, row)
	}
	d.table(cols, rows)

	d.heading(w.T("report.by_category"))
	cols = []column{{w.T("report.col.category"), 150}, {w.T("report.col.demands"), 44}, {w.T("report.col.accounts"), 44}}
	for _, g := range OutcomeGroups() {
		cols = append(cols, column{rd.groupShort(g), 40})
	}
	rows = nil
	for _, c := range r.DataCategories {
		row := []string{rd.category(c.Category), rd.number(c.Demands), rd.number(c.Accounts)}
		for _, g := range OutcomeGroups() {
			row = append(row, rd.number(c.Outcomes.Group(g).Demands))
		}
		rows = append(rows, row)
	}
	d.table(cols, rows)
	d.paragraph(8, w.T("report.category_note"))

	d.heading(w.T("report.national_security"))
	d.paragraph(9, rd.structure(r.NationalSecurity))
	if len(r.NationalSecurity.Figures) == 0 {
		d.paragraph(9, rd.withheld(r))
	} else {
		rows = nil
		for i, f := range r.NationalSecurity.Figures {
			received, selectors := FigureLetters(i)
			rows = append(rows, []string{rd.process(f.Process), f.Period, received + " " + f.Demands, selectors + " " + f.Selectors})
		}
		d.table([]column{{w.T("report.pdf.process"), 250}, {w.T("report.col.received_in"), 60}, {w.T("report.col.received_band"), 95}, {w.T("report.pdf.selectors_band"), 95}}, rows)
	}
	if r.NotIncluded.Statement != "" {
		d.paragraph(9, rd.notIncluded(r.NotIncluded))
	}

	d.heading(w.T("report.check.title"))
	check := w.T("report.pdf.check", r.Checkpoint.Origin, strconv.FormatInt(r.Checkpoint.TreeSize, 10), r.Checkpoint.RootHash)
	if p.SHA256 != "" {
		check += " " + w.T("report.check.sha256") + " " + p.SHA256
		if p.Published {
			check += w.T("report.pdf.published", strconv.FormatInt(p.LogIndex, 10))
		}
		check += "."
	}
	d.paragraph(9, check)
	d.paragraph(9, w.T("report.check.counting"))
	d.paragraph(8, w.T("report.schema", r.Schema, r.Rulebook))
	return d.write(out, title, r.AsOf)
}

const (
	pageW, pageH = 595.0, 842.0 // A4 in points
	margin       = 40.0
)

// pdf lays out pages top to bottom; y is the distance from the top of the
// page to the cursor.
type pdf struct {
	// rd writes the report's words; footer a page's footer line.
	rd     reader
	footer func(title string, page, pages int) string
	pages  []*bytes.Buffer
	page   *bytes.Buffer
	y      float64
}

func newPDF(rd reader, footer func(title string, page, pages int) string) *pdf {
	d := &pdf{rd: rd, footer: footer}
	d.newPage()
	return d
}

func (d *pdf) newPage() {
	d.page = &bytes.Buffer{}
	d.pages = append(d.pages, d.page)
	d.y = margin
}

// ensure starts a new page unless h more points fit on this one.
func (d *pdf) ensure(h float64) {
	if d.y+h > pageH-margin-14 {
		d.newPage()
	}
}

func (d *pdf) heading(s string) {
	d.ensure(60)
	d.y += 14
	d.text(margin, d.y+12, 12, true, s)
	d.y += 16
	d.line(margin, d.y, pageW-margin, d.y)
	d.y += 6
}

func (d *pdf) text(x, baseline, size float64, bold bool, s string) {
	font := "F1"
	if bold {
		font = "F2"
	}
	fmt.Fprintf(d.page, "BT /%s %s Tf 0 g %s %s Td (%s) Tj ET\n", font, num(size), num(x), num(pageH-baseline), pdfString(s))
}

func (d *pdf) textRight(right, baseline, size float64, bold bool, s string) {
	d.text(right-textWidth(s, size, bold), baseline, size, bold, s)
}

func (d *pdf) rect(x, top, w, h float64, color string) {
	r, g, b := rgb(color)
	fmt.Fprintf(d.page, "%s %s %s rg %s %s %s %s re f\n", num(r), num(g), num(b), num(x), num(pageH-top-h), num(w), num(h))
}

func (d *pdf) line(x1, y1, x2, y2 float64) {
	fmt.Fprintf(d.page, "0.8 G 0.5 w %s %s m %s %s l S\n", num(x1), num(pageH-y1), num(x2), num(pageH-y2))
}

// paragraph writes text wrapped to the page's width.
func (d *pdf) paragraph(size float64, s string) {
	width := pageW - 2*margin
	var line string
	flush := func() {
		d.ensure(size + 4)
		d.text(margin, d.y+size, size, false, line)
		d.y += size + 4
		line = ""
	}
	for _, word := range strings.Fields(s) {
		// A word longer than a line (a hash) is cut where it must be.
		for textWidth(word, size, false) > width {
			cut := len(word)
			for cut > 1 && textWidth(word[:cut], size, false) > width {
				cut--
			}
			if line != "" {
				flush()
			}
			line = word[:cut]
			flush()
			word = word[cut:]
		}
		next := word
		if line != "" {
			next = line + " " + word
		}
		if textWidth(next, size, false) > width {
			flush()
			next = word
		}
		line = next
	}
	if line != "" {
		flush()
	}
	d.y += 4
}

type column struct {
	title string
	width float64
}

// table writes rows under a header; the first column is left-aligned, the
// others (numbers) right-aligned. The header repeats on a new page.
func (d *pdf) table(cols []column, rows [][]string) {
	const size, rowH = 7.5, 12.0
	header := func() {
		d.ensure(2 * rowH)
		x := margin
		for i, c := range cols {
			if i == 0 {
				d.text(x+2, d.y+9, size, true, c.title)
			} else {
				d.textRight(x+c.width-2, d.y+9, size, true, c.title)
			}
			x += c.width
		}
		d.y += rowH
		d.line(margin, d.y, margin+widthOf(cols), d.y)
	}
	header()
	if len(rows) == 0 {
		d.text(margin+2, d.y+9, size, false, d.rd.w.T("report.pdf.none"))
		d.y += rowH
	}
	for _, row := range rows {
		if d.y+rowH > pageH-margin-14 {
			d.newPage()
			header()
		}
		x := margin
		for i, c := range cols {
			cell := row[i]
			if i == 0 {
				for runes := []rune(cell); textWidth(cell, size, false) > c.width-4 && len(runes) > 2; {
					runes = runes[:len(runes)-2]
					cell = strings.TrimSuffix(string(runes), " ") + "…"
					runes = append(runes, '…')
				}
				d.text(x+2, d.y+9, size, false, cell)
			} else {
				d.textRight(x+c.width-2, d.y+9, size, false, cell)
			}
			x += c.width
		}
		d.y += rowH
	}
	d.y += 6
}

func widthOf(cols []column) float64 {
	var w float64
	for _, c := range cols {
		w += c.width
	}
	return w
}

// legend draws the outcome groups' colours.
func (d *pdf) legend() {
	d.ensure(14)
	x := margin
	for _, g := range OutcomeGroups() {
		d.rect(x, d.y+1, 8, 8, GroupColor(g))
		name := d.rd.group(g)
		d.text(x+11, d.y+8, 7.5, false, name)
		x += 11 + textWidth(name, 7.5, false) + 10
	}
	d.y += 14
}

// periodsChart draws the demands of each period as a column divided by
// outcome group, as PeriodsChart does in SVG.
func (d *pdf) periodsChart(points []PeriodTotals) {
	const h = 150.0
	d.ensure(h + 40)
	var most int64
	for _, p := range points {
		most = max(most, p.Demands)
	}
	scale := niceCeiling(most)
	left, top := margin+36, d.y+10
	plotW := pageW - margin - left
	for i := 0; i <= 4; i++ {
		y := top + h - h*float64(i)/4
		d.line(left, y, left+plotW, y)
		d.textRight(left-4, y+3, 7, false, d.rd.number(scale*int64(i)/4))
	}
	slot := plotW / float64(max(len(points), 1))
	bar := min(slot*0.6, 50)
	for i, p := range points {
		x := left + slot*float64(i) + (slot-bar)/2
		y := top + h
		for _, g := range OutcomeGroups() {
			n := p.Outcomes.Group(g).Demands
			if n == 0 {
				continue
			}
			bh := h * float64(n) / float64(scale)
			y -= bh
			d.rect(x, y, bar, bh, GroupColor(g))
		}
		label := d.rd.number(p.Demands)
		d.text(x+bar/2-textWidth(label, 7, false)/2, y-3, 7, false, label)
		d.text(x+bar/2-textWidth(p.Period, 7, false)/2, top+h+10, 7, false, p.Period)
	}
	d.y = top + h + 16
	d.legend()
}

// countriesChart draws each country's demands as a bar divided by outcome
// group, as OutcomesChart does in SVG.
func (d *pdf) countriesChart(countries []CountryFigures) {
	var most int64
	for _, c := range countries {
		most = max(most, c.Demands)
	}
	left := margin + 100
	plotW := pageW - margin - left - 40
	for _, c := range countries {
		d.ensure(14)
		d.textRight(left-6, d.y+9, 7.5, false, d.rd.country(c.Country, c.CountryName))
		x := left
		for _, g := range OutcomeGroups() {
			n := c.Outcomes.Group(g).Demands
			if n == 0 {
				continue
			}
			w := plotW * float64(n) / float64(max(most, 1))
			d.rect(x, d.y+1, w, 10, GroupColor(g))
			x += w
		}
		d.text(x+4, d.y+9, 7.5, false, d.rd.number(c.Demands))
		d.y += 14
	}
	d.legend()
	d.y += 4
}

// write assembles the document: catalog, page tree, the two fonts, and a
// page with its content stream for each page, then the cross-reference
// table.
func (d *pdf) write(w io.Writer, title string, created time.Time) error {
	var out bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, out.Len())
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	n := len(d.pages)
	// Objects: 1 catalog, 2 pages, 3 and 4 fonts, 5 info, then a page and
	// its contents for each page.
	kids := make([]string, n)
	for i := range n {
		kids[i] = fmt.Sprintf("%d 0 R", 6+2*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
	obj(fmt.Sprintf("<< /Title (%s) /Producer (writ) /CreationDate (D:%s) >>", pdfString(title), created.UTC().Format("20060102150405Z")))
	for i, page := range d.pages {
		footer := d.footer(title, i+1, n)
		fmt.Fprintf(page, "BT /F1 7 Tf 0.4 g %s %s Td (%s) Tj ET\n", num(margin), num(margin/2), pdfString(footer))
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>",
			num(pageW), num(pageH), 7+2*i))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", page.Len(), page.String()))
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	_, err := w.Write(out.Bytes())
	return err
}
