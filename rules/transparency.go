package rules

import (
	"slices"
	"time"
)

// What transparency reports and warrant canaries need to know of the
// rulebook. They count demands by the same rules the assessment applies,
// so that a report can never classify a demand differently from the
// assessment that routed it.

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
// Stored Communications Act: those the US_SCA_2702A conflict exempts (an
// executive agreement, an MLAT). Nil when the rulebook has no such rule.
func (rb *Rulebook) ContentAgreementInstruments() []string {
	for _, r := range rb.conflicts {
		if r.code == "US_SCA_2702A" && r.instrumentNotIn != nil {
			out := r.instrumentNotIn.sorted()
			slices.Sort(out)
			return out
		}
	}
	return nil
}
