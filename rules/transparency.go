package rules

import (
	"slices"
	"time"
)

// What transparency reports and warrant canaries need to know of the
// rulebook. They count demands by the same rules the assessment applies,
// so that a report can never classify a demand differently from the
// assessment that routed it.

// Periods a band figure covers (rulebook.md §9; 50 U.S.C. 1874(b)).
const (
	// PeriodHalfYear is the report's own half-year.
	PeriodHalfYear = "half_year"
	// PeriodThirdHalfYearBefore is the third half-year before the
	// report's, the one that ended a year before the report's began (for
	// 2026-H2, 2025-H1): FISA figures under 1874(a)(1)-(2).
	PeriodThirdHalfYearBefore = "third_half_year_before"
	// PeriodPreviousYear is the calendar year before the one whose second
	// half the report covers: 1874(a)(4), reported in second halves only.
	PeriodPreviousYear = "previous_year"
)

// Classes of US national-security process where figures are separate.
const (
	ClassNSL                        = "nsl"
	ClassFISAContents               = "fisa_contents"
	ClassFISANonContents            = "fisa_non_contents"
	classFISAContentsIfContentAsked = "fisa_contents_if_content_asked"
)

var (
	bandPeriods  = []string{PeriodHalfYear, PeriodThirdHalfYearBefore, PeriodPreviousYear}
	classesGiven = []string{ClassNSL, ClassFISAContents, classFISAContentsIfContentAsked}
)

// BandStructure is one structure of 50 U.S.C. 1874(a) for reporting US
// national-security process in bands.
type BandStructure struct {
	Code     string // a1, a2, a3, a4
	Citation string
	// Band is the width of a band: a figure n is reported as
	// floor(n/Band)×Band to that plus Band−1.
	Band int
	// Separate says whether NSLs, FISA process for contents and FISA process
	// for non-contents are counted apart (a1, a2) or as one (a3, a4).
	Separate bool
	// Period is what combined figures cover; NSLPeriod and FISAPeriod what
	// separate ones cover. One of the Period constants.
	Period, NSLPeriod, FISAPeriod string
}

// Transparency is the rulebook's part of the transparency report.
type Transparency struct {
	// Structure is the configured structure
	// (transparency.national_security_bands).
	Structure BandStructure
	// IncludeForeignNationalSecurity counts demands of foreign
	// national-security authorities like any other; by default they are in
	// no figure.
	IncludeForeignNationalSecurity bool

	structures map[string]BandStructure
	codes      []string
	classes    map[string]string // instrument → class as written
}

// StructureByCode returns one of the structures of 1874(a) by its code.
func (t Transparency) StructureByCode(code string) (BandStructure, bool) {
	s, ok := t.structures[code]
	return s, ok
}

// StructureCodes returns the codes of the structures, as the rulebook
// lists them.
func (t Transparency) StructureCodes() []string { return slices.Clone(t.codes) }

// USNationalSecurityInstruments returns, sorted, the instruments whose
// demands are US national-security process: counted only in bands.
func (t Transparency) USNationalSecurityInstruments() []string {
	out := make([]string, 0, len(t.classes))
	for code := range t.classes {
		out = append(out, code)
	}
	slices.Sort(out)
	return out
}

// Class returns the class of a demand of US national-security process
// (ClassNSL, ClassFISAContents or ClassFISANonContents), or "" when the
// instrument is not US national-security process.
func (t Transparency) Class(instrument string, categories []string) string {
	switch c := t.classes[instrument]; c {
	case classFISAContentsIfContentAsked:
		if slices.Contains(categories, categoryContent) {
			return ClassFISAContents
		}
		return ClassFISANonContents
	default:
		return c
	}
}

// IsForeignNationalSecurity reports whether a demand comes from a foreign
// national-security authority: left out of every figure unless the
// rulebook includes them.
func (rb *Rulebook) IsForeignNationalSecurity(authorityCountry, authorityKind string) bool {
	return authorityKind == KindNationalSecurity && authorityCountry != rb.homeCountry
}

// NationalSecurityInstruments returns, sorted, the codes of the instruments
// whose demands are national-security demands whoever sends them
// (rulebook §5 rule 1).
func (rb *Rulebook) NationalSecurityInstruments() []string {
	var out []string
	for _, code := range rb.instrumentCodes {
		if rb.instruments[code].nationalSecurity {
			out = append(out, code)
		}
	}
	return out
}

// IsNationalSecurity reports whether a demand with this instrument from an
// authority of this kind is a national-security demand (rulebook §5 rule 1).
func (rb *Rulebook) IsNationalSecurity(instrument, authorityKind string) bool {
	if authorityKind == KindNationalSecurity {
		return true
	}
	inst, ok := rb.instruments[instrument]
	return ok && inst.nationalSecurity
}

// IsConfidential reports whether an instrument is kept confidential by its
// own law unless its issuer permits notice (rulebook §5 rule 3).
func (rb *Rulebook) IsConfidential(instrument string) bool {
	inst, ok := rb.instruments[instrument]
	return ok && inst.confidential
}

// InstrumentName returns an instrument's name and citation, or the code
// itself and "" for a code the rulebook does not know.
func (rb *Rulebook) InstrumentName(code string) (name, citation string) {
	inst, ok := rb.instruments[code]
	if !ok {
		return code, ""
	}
	return inst.name, inst.citation
}

// HomeCountry is the provider's home country (provider.home_country).
func (rb *Rulebook) HomeCountry() string { return rb.homeCountry }

// LongNDOAfter is how long after receipt a non-disclosure order may run
// before it is flagged NDO_OVER_ONE_YEAR (policy.long_ndo_after).
func (rb *Rulebook) LongNDOAfter() time.Duration { return rb.longNDOAfter.D }

// ContentAgreementInstruments returns, sorted, the instruments through
// which a foreign authority may obtain content without colliding with the
// Stored Communications Act: those the US_SCA_2702A conflict exempts, always
// (an MLAT) or when the demand has no deficiency (an executive agreement).
// Nil when the rulebook has no such rule.
func (rb *Rulebook) ContentAgreementInstruments() []string {
	for _, r := range rb.conflicts {
		if r.code == "US_SCA_2702A" {
			out := append(r.instrumentNotIn.sorted(), r.unlessSufficient.sorted()...)
			slices.Sort(out)
			return out
		}
	}
	return nil
}
