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
}

// ErrorPage is an error as an HTML page.
type ErrorPage struct {
	Title, Message string
}

// WriteHTML writes the report as a self-contained HTML page: styles
// inline, charts as inline SVG, no script.
func WriteHTML(w io.Writer, p Page) error { return render(w, "report.html", p) }

// WriteIndexHTML writes the list of published reports.
func WriteIndexHTML(w io.Writer, p IndexPage) error { return render(w, "index.html", p) }

// WriteErrorHTML writes an error page.
func WriteErrorHTML(w io.Writer, p ErrorPage) error { return render(w, "error.html", p) }

func render(w io.Writer, page string, data any) error {
	t, err := template.New("").Funcs(template.FuncMap{
		"css":               func() template.CSS { return template.CSS(pageCSS()) },
		"groups":            OutcomeGroups,
		"label":             GroupLabel,
		"share":             func(o Outcomes, g string) Share { return *o.Group(g) },
		"n":                 thousands,
		"date":              func(t time.Time) string { return t.UTC().Format("2 January 2006") },
		"dateBefore":        func(t time.Time) string { return t.UTC().Add(-time.Nanosecond).Format("2 January 2006") },
		"datetime":          func(t time.Time) string { return t.UTC().Format("2 January 2006, 15:04 UTC") },
		"short":             func(sha string) string { return sha[:min(12, len(sha))] },
		"periodsChart":      PeriodsChart,
		"outcomesChart":     OutcomesChart,
		"processLabel":      ProcessLabel,
		"shortProcessLabel": ShortProcessLabel,
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
	_, err = w.Write(buf.Bytes())
	return err
}

// thousands writes n with thousands separators: 12,345.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// HistoryOf returns the totals of a report for the chart over periods.
func HistoryOf(r *Report) PeriodTotals {
	return PeriodTotals{Period: r.Period, Outcomes: r.Totals.Outcomes, Demands: r.Totals.Demands}
}
