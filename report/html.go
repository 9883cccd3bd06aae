package report

import (
	"bytes"
	"embed"
	"html/template"
	"io"
	"strconv"
	"time"
)

//go:embed templates/*.html
var templateFiles embed.FS

// Links are where a report page points to; empty ones are left out (a
// report written to a file has no server to link to).
type Links struct {
	Index, JSON, CSV, PDF, Checkpoint string
}

// Page is a report as an HTML page.
type Page struct {
	Report *Report
	// History are the totals of the periods to chart, oldest first,
	// including this report's.
	History []PeriodTotals
	Links   Links
	// SHA256 is the hash of the report's JSON; Published, LogIndex and
	// PublishedAt say where the log records its publication.
	SHA256      string
	Published   bool
	LogIndex    int64
	PublishedAt time.Time
	// ReplacedBy, when set, is the publication of the same period that
	// replaced this one; Replaced are the earlier ones this replaced.
	ReplacedBy *Version
	Replaced   []Version
	// Languages are the languages the page is offered in; none for a
	// report written to a file.
	Languages []LanguageChoice
}

// LanguageChoice is one language a page is offered in: its code, its name
// in itself (so that a reader who cannot read the page finds theirs), and
// the page's address in it.
type LanguageChoice struct {
	Code, Name, Link string
	Current          bool
}

// Version is one publication of a period's report, as the pages link it.
type Version struct {
	SHA256      string
	PublishedAt time.Time
	Link        string
}

// IndexEntry is one published report in the list of reports.
type IndexEntry struct {
	Period      string
	Demands     int64
	Link        string
	PublishedAt time.Time
	// Replaced are the earlier publications of the period, which the
	// latest replaced, newest first.
	Replaced []Version
}

// IndexPage lists the published reports.
type IndexPage struct {
	Reports    []IndexEntry
	History    []PeriodTotals
	CanaryLink string
	Languages  []LanguageChoice
	// PageQuery is added to the links to the reports' pages (not to their
	// files): "?lang=fr" keeps a reader's choice of language.
	PageQuery string
}

// ErrorPage is an error as an HTML page.
type ErrorPage struct {
	Title, Message string
}

// WriteHTML writes the report as a self-contained HTML page in the
// language of w: styles inline, charts as inline SVG, no script.
func WriteHTML(out io.Writer, p Page, w Words) error { return render(out, "report.html", p, w) }

// WriteIndexHTML writes the list of published reports in the language of w.
func WriteIndexHTML(out io.Writer, p IndexPage, w Words) error {
	return render(out, "index.html", p, w)
}

// WriteErrorHTML writes an error page in the language of w.
func WriteErrorHTML(out io.Writer, p ErrorPage, w Words) error {
	return render(out, "error.html", p, w)
}

func render(out io.Writer, page string, data any, w Words) error {
	rd := reader{w}
	t, err := template.New("").Funcs(template.FuncMap{
		"css":               func() template.CSS { return template.CSS(pageCSS()) },
		"t":                 w.T,
		"lang":              w.Lang,
		"groups":            OutcomeGroups,
		"label":             rd.group,
		"share":             func(o Outcomes, g string) Share { return *o.Group(g) },
		"n":                 rd.number,
		"pct":               rd.percent,
		"id":                func(n int64) string { return strconv.FormatInt(n, 10) },
		"date":              w.Date,
		"dateBefore":        rd.dateBefore,
		"datetime":          w.DateTime,
		"short":             func(sha string) string { return sha[:min(12, len(sha))] },
		"periodsChart":      func(h []PeriodTotals) template.HTML { return PeriodsChart(h, w) },
		"outcomesChart":     func(c []CountryFigures) template.HTML { return OutcomesChart(c, w) },
		"processLabel":      rd.process,
		"shortProcessLabel": rd.processShort,
		"country":           rd.country,
		"instrument":        rd.instrument,
		"category":          rd.category,
		"structure":         rd.structure,
		"withheld":          rd.withheld,
		"notIncluded":       rd.notIncluded,
		"check":             rd.check,
		"letters": func(i int) [2]string {
			received, selectors := FigureLetters(i)
			return [2]string{received, selectors}
		},
	}).ParseFS(templateFiles, "templates/layout.html", "templates/"+page)
	if err != nil {
		return err
	}
	// Render fully before writing, so a failure never leaves half a page.
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return err
	}
	_, err = out.Write(buf.Bytes())
	return err
}

// HistoryOf returns the totals of a report for the chart over periods.
func HistoryOf(r *Report) PeriodTotals {
	return PeriodTotals{Period: r.Period, Outcomes: r.Totals.Outcomes, Demands: r.Totals.Demands}
}
