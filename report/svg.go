package report

import (
	"fmt"
	"html"
	"html/template"
	"strings"
	"unicode/utf8"
)

// Charts are SVG drawn on the server: no script, nothing fetched, the same
// picture in a browser, in print and in the PDF.

// GroupColor is the colour each outcome group is drawn in, everywhere.
func GroupColor(group string) string {
	switch group {
	case "content_disclosed":
		return "#b2182b"
	case "non_content_disclosed":
		return "#ef8a62"
	case "no_data":
		return "#8c8c8c"
	case "rejected":
		return "#2166ac"
	case "redirected":
		return "#67a9cf"
	case "withdrawn":
		return "#b8d8e8"
	}
	return "#f2d8a7" // pending
}

// PeriodTotals are the outcome groups of one period's demands, for the
// chart of totals over periods.
type PeriodTotals struct {
	Period   string
	Outcomes Outcomes
	Demands  int64
}

// svg is a chart being drawn, its words in one language.
type svg struct {
	b  strings.Builder
	rd reader
}

func (s *svg) printf(format string, args ...any) { fmt.Fprintf(&s.b, format, args...) }

func esc(s string) string { return html.EscapeString(s) }

// legend draws the outcome groups' colours in a row at y.
func (s *svg) legend(x, y float64) {
	for _, g := range OutcomeGroups() {
		s.printf(`<rect x="%.1f" y="%.1f" width="10" height="10" fill="%s"/>`, x, y, GroupColor(g))
		name := s.rd.group(g)
		s.printf(`<text x="%.1f" y="%.1f" font-size="11">%s</text>`, x+14, y+9, esc(name))
		x += 14 + 6*float64(utf8.RuneCountInString(name)) + 10
	}
}

// PeriodsChart draws the demands received in each period as a column
// divided by outcome group, oldest period first.
func PeriodsChart(points []PeriodTotals, w Words) template.HTML {
	const width, height, left, top, bottom = 720.0, 310.0, 56.0, 36.0, 50.0
	s := svg{rd: reader{w}}
	s.printf(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" font-family="Helvetica, Arial, sans-serif">`, width, height, width, height)
	s.printf(`<title>%s</title>`, esc(w.T("report.chart.periods")))
	var most int64
	for _, p := range points {
		most = max(most, p.Demands)
	}
	scale := niceCeiling(most)
	plotH := height - top - bottom
	for i := 0; i <= 4; i++ {
		v := scale * int64(i) / 4
		y := top + plotH - plotH*float64(i)/4
		s.printf(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`, left, y, width-8, y)
		s.printf(`<text x="%.1f" y="%.1f" font-size="11" text-anchor="end">%s</text>`, left-6, y+4, s.rd.number(v))
	}
	n := max(len(points), 1)
	slot := (width - left - 8) / float64(n)
	bar := min(slot*0.6, 60)
	for i, p := range points {
		x := left + slot*float64(i) + (slot-bar)/2
		y := top + plotH
		for _, g := range OutcomeGroups() {
			share := p.Outcomes.Group(g)
			if share.Demands == 0 {
				continue
			}
			h := plotH * float64(share.Demands) / float64(scale)
			y -= h
			s.printf(`<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>`,
				x, y, bar, h, GroupColor(g), esc(p.Period), esc(s.rd.group(g)), s.rd.number(share.Demands))
		}
		s.printf(`<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle">%s</text>`, x+bar/2, y-4, s.rd.number(p.Demands))
		s.printf(`<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle">%s</text>`, x+bar/2, top+plotH+16, esc(p.Period))
	}
	s.legend(8, height-18)
	s.printf(`</svg>`)
	return template.HTML(s.b.String())
}

// OutcomesChart draws each country's demands as a bar divided by outcome
// group, its length the country's share of the largest.
func OutcomesChart(countries []CountryFigures, w Words) template.HTML {
	const width, left, rowH, top = 720.0, 150.0, 22.0, 10.0
	height := top + rowH*float64(max(len(countries), 1)) + 36
	s := svg{rd: reader{w}}
	s.printf(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" font-family="Helvetica, Arial, sans-serif">`, width, height, width, height)
	s.printf(`<title>%s</title>`, esc(w.T("report.chart.outcomes")))
	var most int64
	for _, c := range countries {
		most = max(most, c.Demands)
	}
	plotW := width - left - 70
	for i, c := range countries {
		y := top + rowH*float64(i)
		name := s.rd.country(c.Country, c.CountryName)
		s.printf(`<text x="%.1f" y="%.1f" font-size="12" text-anchor="end">%s</text>`, left-8, y+13, esc(name))
		x := left
		for _, g := range OutcomeGroups() {
			share := c.Outcomes.Group(g)
			if share.Demands == 0 {
				continue
			}
			bw := plotW * float64(share.Demands) / float64(max(most, 1))
			s.printf(`<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="16" fill="%s"><title>%s, %s: %s (%s)</title></rect>`,
				x, y+2, bw, GroupColor(g), esc(name), esc(s.rd.group(g)), s.rd.number(share.Demands), s.rd.percent(share.Percent))
			x += bw
		}
		s.printf(`<text x="%.1f" y="%.1f" font-size="11">%s</text>`, x+6, y+14, s.rd.number(c.Demands))
	}
	s.legend(8, height-16)
	s.printf(`</svg>`)
	return template.HTML(s.b.String())
}

// niceCeiling rounds n up to 1, 2 or 5 times a power of ten, for an axis.
func niceCeiling(n int64) int64 {
	if n <= 4 {
		return 4
	}
	p := int64(1)
	for p*10 < n {
		p *= 10
	}
	for _, m := range []int64{1, 2, 4, 5, 10} {
		if m*p >= n {
			return m * p
		}
	}
	return 10 * p
}
