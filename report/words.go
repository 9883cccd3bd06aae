package report

import "time"

// Words are a report page's words in one language: the catalog's messages
// (keys under "report.", and the "label." and "instrument." words the
// pages share), numbers, dates and country names by the language's
// rules. The caller passes them in (writ's i18n.Printer is one), so that
// this package keeps to figures and layout and never chooses a language.
//
// Only the HTML and PDF forms are written in a language. The JSON and CSV
// forms are versioned machine formats whose bytes a publication's hash
// binds: they stay language-neutral, in English, whatever the reader's
// language.
type Words interface {
	// Lang is the language's code, as the html lang attribute takes it.
	Lang() string
	// T is the message of key with args, numbers formatted for the
	// language.
	T(key string, args ...any) string
	// Label is the word for a code of a kind ("label", "subscriber"), and
	// whether the catalog has one.
	Label(kind, code string) (string, bool)
	// Date is a day; DateTime a moment to the minute, with its zone.
	Date(t time.Time) string
	DateTime(t time.Time) string
	// Country is a country's name from its ISO 3166-1 code, or the code.
	Country(code string) string
}

// reader writes a report's figures and codes with Words.
type reader struct{ w Words }

func (rd reader) number(n int64) string { return rd.w.T("%d", n) }

func (rd reader) percent(p Percent) string {
	return rd.w.T("report.percent", float64(p)/10)
}

func (rd reader) group(g string) string { return rd.w.T("report.group." + g) }

// groupShort is an outcome group's name short enough for a PDF column.
func (rd reader) groupShort(g string) string { return rd.w.T("report.group_short." + g) }

// process is a band figure's process, as ProcessLabel; processShort as
// ShortProcessLabel. A process the catalog does not name (none is, as
// Reconcile checks) shows as its code.
func (rd reader) process(p string) string {
	if s, ok := rd.w.Label("report.process", p); ok {
		return s
	}
	return p
}

func (rd reader) processShort(p string) string {
	if s, ok := rd.w.Label("report.process_short", p); ok {
		return s
	}
	return rd.process(p)
}

// country is a country's name in the language, else the report's own
// (English) name, else its code.
func (rd reader) country(code, name string) string {
	if s := rd.w.Country(code); s != code {
		return s
	}
	if name != "" {
		return name
	}
	return code
}

// instrument is an instrument's name in the language, else the report's
// own.
func (rd reader) instrument(code, name string) string {
	if s, ok := rd.w.Label("instrument", code); ok {
		return s
	}
	return name
}

// category is a data category's name in the language, else its code.
func (rd reader) category(code string) string {
	if s, ok := rd.w.Label("label", code); ok {
		return s
	}
	return code
}

func (rd reader) dateBefore(t time.Time) string { return rd.w.Date(t.UTC().Add(-time.Nanosecond)) }

// structure says how the report counts US national-security process, as
// StructureText does in English.
func (rd reader) structure(ns NationalSecurity) string {
	if ns.Structure == "" {
		return rd.w.T("report.structure.v1", ns.BandWidth, ns.Citation)
	}
	how := "report.structure.one"
	switch {
	case ns.Separate:
		how = "report.structure.separate"
	case ns.Annual:
		how = "report.structure.annual"
	}
	return rd.w.T("report.structure", ns.Structure, ns.Citation, ns.BandWidth) + " " + rd.w.T(how)
}

// withheld says why the report gives no band figures, as WithheldText.
func (rd reader) withheld(r *Report) string {
	switch r.NationalSecurity.Withheld {
	case WithheldAnnual:
		return rd.w.T("report.withheld.reported_annually")
	case WithheldHalfYearNotEnded:
		return rd.w.T("report.withheld.half_year_not_ended", rd.w.Date(r.PeriodEnd.UTC()))
	}
	return ""
}

// notIncluded states the categories of demand the report leaves out, as
// the report's Statement does in English: in words, never a numeral. Only
// one category can be left out today; a report naming more keeps its own
// statement.
func (rd reader) notIncluded(n NotIncluded) string {
	switch len(n.Categories) {
	case 0:
		return rd.w.T("report.not_included.none")
	case 1:
		return rd.w.T("report.not_included.one", rd.w.T("report.left_out."+n.Categories[0]))
	}
	return n.Statement
}

// check is one of the reconciliation's checks in the language; a check
// this version does not know keeps the report's words.
func (rd reader) check(text string) string {
	for _, c := range reconciliationChecks() {
		if c[1] == text {
			return rd.w.T("report.reconciled." + c[0])
		}
	}
	return text
}
