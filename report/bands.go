package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"writ/rules"
)

// US national-security process in bands (rulebook §9; 50 U.S.C. 1874). A
// structure of 1874(a) says how wide the bands are, whether national
// security letters, FISA process for contents and FISA process for
// non-contents are counted apart, and which half-years of receipt each
// figure covers. The report of a half-year gives the figures its structure
// allows for it, and only once the half-year has ended.

// ProcessCombined is the one process of the combined structures (a3, a4):
// every national security letter and FISA order and directive. Where the
// figures are separate (a1, a2) the processes are the rulebook's classes:
// rules.ClassNSL, rules.ClassFISAContents and rules.ClassFISANonContents.
const ProcessCombined = "us_national_security_process"

// processV1 is the one figure of a report of schema v1: every demand that
// met the national-security test.
const processV1 = "national_security"

// Why a band section has no figures.
const (
	// WithheldAnnual: the structure reports once a year, in the report of
	// a second half-year (1874(a)(4), (b)(3)).
	WithheldAnnual = "reported_annually"
	// WithheldHalfYearNotEnded: the report was computed before its
	// half-year ended. 1874(b) allows a figure only for a period that has
	// ended, and a band of part of a half-year, set beside the band of the
	// whole, would say more than either.
	WithheldHalfYearNotEnded = "half_year_not_ended"
)

// bandSpec is one figure a structure gives in a report: the classes of US
// national-security process it counts and the half-years of receipt it
// covers, oldest first.
type bandSpec struct {
	process string
	classes []string
	covers  []Period
}

// bandSpecs are the figures of structure s in the report of p, in the
// order of 1874(a): (A)-(B), then (C)-(D) and (E)-(F) where the figures
// are separate. None in a first-half report of an annual structure.
func bandSpecs(s rules.BandStructure, p Period) []bandSpec {
	if !s.Separate {
		ps := covers(s.Period, p)
		if ps == nil {
			return nil
		}
		return []bandSpec{{process: ProcessCombined, classes: []string{rules.ClassNSL, rules.ClassFISAContents, rules.ClassFISANonContents}, covers: ps}}
	}
	var out []bandSpec
	for _, f := range []struct{ class, period string }{
		{rules.ClassNSL, s.NSLPeriod}, {rules.ClassFISAContents, s.FISAPeriod}, {rules.ClassFISANonContents, s.FISAPeriod},
	} {
		if ps := covers(f.period, p); ps != nil {
			out = append(out, bandSpec{process: f.class, classes: []string{f.class}, covers: ps})
		}
	}
	return out
}

// covers returns the half-years a figure of this period setting covers in
// the report of p, oldest first; nil when the report of p gives no such
// figure.
func covers(setting string, p Period) []Period {
	switch setting {
	case rules.PeriodHalfYear:
		return []Period{p}
	case rules.PeriodThirdHalfYearBefore:
		return []Period{p.Prev().Prev().Prev()}
	case rules.PeriodPreviousYear:
		if p.Half == 2 {
			return []Period{{Year: p.Year - 1, Half: 1}, {Year: p.Year - 1, Half: 2}}
		}
	}
	return nil
}

// bandsDue reports whether a report of p computed at asOf gives band
// figures: only once p has ended.
func bandsDue(p Period, asOf time.Time) bool { return !asOf.Before(p.End()) }

// OtherBandPeriods returns the half-years other than p whose US
// national-security process the report of p, computed at asOf, counts in
// its bands, oldest first: the third half-year before p for FISA figures
// under a1 and a2, the year before under a4. None before p has ended.
func OtherBandPeriods(s rules.BandStructure, p Period, asOf time.Time) []Period {
	if !bandsDue(p, asOf) {
		return nil
	}
	var out []Period
	for _, spec := range bandSpecs(s, p) {
		for _, c := range spec.covers {
			if c != p && !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	slices.SortFunc(out, func(a, b Period) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// coverName names the time a figure covers: a half-year ("2025-H1"), or a
// calendar year ("2025") when it covers both of its halves.
func coverName(ps []Period) string {
	if len(ps) == 2 && ps[0].Year == ps[1].Year && ps[0].Half == 1 && ps[1].Half == 2 {
		return strconv.Itoa(ps[0].Year)
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.String()
	}
	return strings.Join(names, "+")
}

// ProcessLabel is a band figure's process as a reader reads it.
func ProcessLabel(process string) string {
	switch process {
	case ProcessCombined:
		return "National security letters and FISA orders and directives"
	case rules.ClassNSL:
		return "National security letters"
	case rules.ClassFISAContents:
		return "FISA orders and directives for contents"
	case rules.ClassFISANonContents:
		return "FISA orders for non-contents"
	case processV1:
		return "National-security demands"
	}
	return process
}

// ShortProcessLabel is a band figure's process in a few words, for a
// summary line.
func ShortProcessLabel(process string) string {
	switch process {
	case ProcessCombined:
		return "US national-security process"
	case rules.ClassFISAContents:
		return "FISA for contents"
	case rules.ClassFISANonContents:
		return "FISA for non-contents"
	}
	return ProcessLabel(process)
}

// FigureLetters are the letters 1874(a) gives the i-th figure's two
// counts, process received and selectors: (A) and (B), (C) and (D), (E)
// and (F).
func FigureLetters(i int) (received, selectors string) {
	return fmt.Sprintf("(%c)", 'A'+2*i), fmt.Sprintf("(%c)", 'B'+2*i)
}

// CategoryForeignNationalSecurity is the category of demand a report
// leaves out of every figure unless the rulebook includes it: demands of
// foreign national-security authorities (rulebook §9).
const CategoryForeignNationalSecurity = "foreign_national_security"

// categoryWords are the categories of demand a report may leave out, in
// words.
var categoryWords = map[string]string{
	CategoryForeignNationalSecurity: "demands of foreign national-security authorities",
}

var numberWords = []string{"No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten"}

// notIncludedStatement says in words how many categories of demand a
// document (a report, a canary) leaves out and which, as rulebook §9 asks:
// never a numeral, never a count of the demands. Every category is one of
// categoryWords, so there are never more than numberWords can say.
func notIncludedStatement(categories []string, document string) string {
	if len(categories) == 0 {
		return fmt.Sprintf("No category of demand is left out of this %s.", document)
	}
	words := make([]string, len(categories))
	for i, c := range categories {
		words[i] = categoryWords[c]
	}
	list := words[len(words)-1]
	if len(words) > 1 {
		list = strings.Join(words[:len(words)-1], "; ") + " and " + list
	}
	if len(categories) == 1 {
		return fmt.Sprintf("One category of demand is not included in this %s: %s.", document, list)
	}
	return fmt.Sprintf("%s categories of demand are not included in this %s: %s.", numberWords[len(categories)], document, list)
}

// leftOutCategories are the categories of demand a report leaves out.
func leftOutCategories(includeForeignNationalSecurity bool) []string {
	if includeForeignNationalSecurity {
		return []string{}
	}
	return []string{CategoryForeignNationalSecurity}
}

// StructureText says, in words, how the report counts US national-security
// process: by which structure of 1874(a), in bands of what width, as one
// figure or apart, and over what time.
func (ns NationalSecurity) StructureText() string {
	if ns.Structure == "" {
		return fmt.Sprintf("Every demand that met the national-security test is reported only in bands of %d (%s), and is in none of the figures above (report schema v1).",
			ns.BandWidth, ns.Citation)
	}
	how := "All of it is counted as one figure, with the selectors (accounts) it targeted, for the half-year of the report."
	switch {
	case ns.Separate:
		how = "National security letters, FISA orders and directives for contents, and FISA orders for non-contents are counted apart, each with the selectors (accounts) it targeted; FISA process is counted for the third half-year before the report's, as the delays of 50 U.S.C. 1874(b) require."
	case ns.Annual:
		how = "All of it is counted as one figure, with the selectors (accounts) it targeted, once a year: in the report for the second half of a year, for the calendar year before."
	}
	return fmt.Sprintf("This report follows structure %s of 50 U.S.C. 1874(a) (%s). US national-security process (national security letters and FISA orders and directives) is reported only in bands of %d, and is in none of the figures above. %s",
		ns.Structure, ns.Citation, ns.BandWidth, how)
}

// WithheldText says why the report gives no band figures; "" when it
// gives them.
func (r *Report) WithheldText() string {
	switch r.NationalSecurity.Withheld {
	case WithheldAnnual:
		return "Under this structure the figures are reported once a year, in the report for the second half of the year; this report gives none."
	case WithheldHalfYearNotEnded:
		return fmt.Sprintf("The figures are given only in a report computed once the half-year has ended, on %s or later; this one was computed before.",
			r.PeriodEnd.UTC().Format("2 January 2006"))
	}
	return ""
}
