package rules

import (
	"cmp"
	"slices"
	"strconv"
)

// deficiencies is rulebook.md §2: every reason the demand is legally
// insufficient, sorted by code then category. An instrument not in force
// has its other deficiencies assessed as if it were in force.
func (rb *Rulebook) deficiencies(f *facts) []Deficiency {
	d, in := f.d, f.inst
	out := []Deficiency{}
	add := func(code, category string, minYears float64) {
		text, ok := in.messages[code]
		if !ok {
			text = rb.deficiencyText[code]
		}
		out = append(out, Deficiency{
			Code:     code,
			Category: category,
			Message:  text.render(f, "category", category, "min_years", strconv.FormatFloat(minYears, 'f', -1, 64)),
		})
	}

	if !in.countries[d.Authority.Country] {
		add(DeficiencyWrongJurisdiction, "", 0)
	}
	if !in.requesterKinds[d.Authority.Kind] || (f.emergency && !rb.emergencyKinds[d.Authority.Kind]) {
		add(DeficiencyWrongRequesterKind, "", 0)
	}
	if !f.inForce {
		add(DeficiencyInstrumentNotInForce, "", 0)
	}
	if in.eff == nil {
		if !in.anyone && !in.issuers[d.IssuedBy] {
			add(DeficiencyJudgeRequired, "", 0)
		}
		if !in.preserveOnly {
			// One entry per category the instrument cannot compel.
			for _, cat := range f.asked {
				if !slices.Contains(f.wouldCompel, cat) {
					add(DeficiencyCategoryNotPermitted, cat, 0)
				}
			}
		}
	} else {
		// An EU order's reach follows from its effective issuer (Art. 4):
		// asking for more than the issuer may order is a defect of the
		// issuer, never of the category.
		switch {
		case f.effIssuer == "" && !f.emergencyWaiver:
			add(DeficiencyValidationRequired, "", 0)
		case f.effIssuer != "" && !in.preserveOnly && !f.askedWithin(setOf(in.eff.compels[f.effIssuer]...)):
			add(DeficiencyJudgeRequired, "", 0)
		}
	}
	if t := in.offence; t != nil && f.asksAny(t.categories) && !d.OffenceListed && below(d.OffenceMaxYears, t.minYears) {
		add(DeficiencyOffenceThreshold, "", t.minYears)
	}
	if y := in.seriousCrimeYears; y > 0 && below(d.OffenceMaxYears, y) {
		add(DeficiencySeriousCrimeThreshold, "", y)
	}
	if in.excludesUSPersons && (f.usPerson || (d.SubjectUSPerson != nil && *d.SubjectUSPerson) || rb.usLocations[d.SubjectLocation]) {
		add(DeficiencyAgreementExcludesUSPersons, "", 0)
	}
	if !d.Authority.Verified {
		add(DeficiencyUnverifiedRequester, "", 0)
	}
	if (f.emergency || in.claimsEmergency) && !f.verified {
		add(DeficiencyEmergencyUnverified, "", 0)
	}
	if len(d.Accounts) == 0 {
		add(DeficiencyNoTarget, "", 0)
	}
	if len(f.asked) == 0 {
		add(DeficiencyNoCategories, "", 0)
	}
	slices.SortFunc(out, func(a, b Deficiency) int {
		if a.Code != b.Code {
			return cmp.Compare(a.Code, b.Code)
		}
		return cmp.Compare(a.Category, b.Category)
	})
	return out
}

// below reports whether an offence's maximum sentence is under a threshold;
// one not stated is.
func below(maxYears *float64, threshold float64) bool {
	return maxYears == nil || *maxYears < threshold
}
