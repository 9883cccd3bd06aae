package main

import (
	"writ/rules"
)

// How the half-yearly transparency report counts a demand (rulebook.md §9),
// as writ's rules package says: Rulebook.IsForeignNationalSecurity, the
// setting Transparency.IncludeForeignNationalSecurity, Transparency.Class
// and the structures of 50 U.S.C. 1874(a). policy/transparency.rego says the
// same from the data document; the agreement compares the two for every
// case under every structure. This is the rulebook's classification of one
// demand, not the report itself, which counts stored demands (report/).

// Ways a demand is counted.
const (
	countedExact   = "exact"    // in the exact figures
	countedBands   = "bands"    // US national-security process, only in bands
	countedLeftOut = "left_out" // a foreign national-security authority's, in no figure
)

// counting is how a demand is counted under one structure; figure, band and
// period are set for bands only.
type counting struct {
	Counted string  `json:"counted"`
	Figure  *string `json:"figure"`
	Band    *int    `json:"band"`
	Period  *string `json:"period"`
}

// writCounting is how writ counts the case under each structure of 1874(a),
// by the structure's code, with the transparency settings t.
func writCounting(rb *rules.Rulebook, t rules.Transparency, c rules.Case) map[string]counting {
	d := &c.Demand
	foreign := rb.IsForeignNationalSecurity(d.Authority.Country, d.Authority.Kind)
	class := t.Class(d.Instrument, d.DataCategories)
	out := map[string]counting{}
	for _, code := range t.StructureCodes() {
		s, _ := t.StructureByCode(code)
		switch {
		case foreign && !t.IncludeForeignNationalSecurity:
			out[code] = counting{Counted: countedLeftOut}
		case foreign, class == "":
			out[code] = counting{Counted: countedExact}
		default:
			figure, period := "combined", s.Period
			if s.Separate {
				figure, period = class, s.FISAPeriod
				if class == rules.ClassNSL {
					period = s.NSLPeriod
				}
			}
			band := s.Band
			out[code] = counting{Counted: countedBands, Figure: &figure, Band: &band, Period: &period}
		}
	}
	return out
}
