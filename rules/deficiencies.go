package rules

import (
	"cmp"
	"slices"
	"strconv"
)

// deficiencies is rulebook.md §2: every reason the demand is legally
// insufficient, sorted by code then category.
func (rb *Rulebook) deficiencies(f *facts) []Deficiency {
	d, in := f.d, f.inst
	out := []Deficiency{}
	add := func(code, category string) {
		text, ok := in.messages[code]
		if !ok {
			text = rb.deficiencyText[code]
		}
		minYears := ""
		if in.offence != nil {
			minYears = strconv.FormatFloat(in.offence.minYears, 'f', -1, 64)
		}
		out = append(out, Deficiency{
			Code:     code,
			Category: category,
			Message:  text.render(f, "category", category, "min_years", minYears),
		})
	}

	if !in.countries[d.Authority.Country] {
		add(DeficiencyWrongJurisdiction, "")
	}
	if in.eff == nil {
		if !in.anyone && !in.issuers[d.IssuedBy] {
			add(DeficiencyJudgeRequired, "")
		}
		if !in.preserveOnly {
			// One entry per category the instrument cannot compel.
			for _, cat := range f.asked {
				if !slices.Contains(in.compels, cat) {
					add(DeficiencyCategoryNotPermitted, cat)
				}
			}
		}
	} else {
		// An EU order's reach follows from its effective issuer (Art. 4):
		// asking for more than the issuer may order is a defect of the
		// issuer, never of the category.
		switch {
		case f.effIssuer == "" && !f.emergencyWaiver:
			add(DeficiencyValidationRequired, "")
		case f.effIssuer != "" && !in.preserveOnly && !f.askedWithin(setOf(in.eff.compels[f.effIssuer]...)):
			add(DeficiencyJudgeRequired, "")
		}
	}
	if t := in.offence; t != nil && f.asksAny(t.categories) && !d.OffenceListed &&
		(d.OffenceMaxYears == nil || *d.OffenceMaxYears < t.minYears) {
		add(DeficiencyOffenceThreshold, "")
	}
	if in.excludesUSPersons && f.usPerson {
		add(DeficiencyAgreementExcludesUSPersons, "")
	}
	if !d.Authority.Verified {
		add(DeficiencyUnverifiedRequester, "")
	}
	if (f.emergency || in.claimsEmergency) && !(f.emergency && d.Emergency.VerifiedByCallback) {
		add(DeficiencyEmergencyUnverified, "")
	}
	if len(d.Accounts) == 0 {
		add(DeficiencyNoTarget, "")
	}
	if len(f.asked) == 0 {
		add(DeficiencyNoCategories, "")
	}
	slices.SortFunc(out, func(a, b Deficiency) int {
		if a.Code != b.Code {
			return cmp.Compare(a.Code, b.Code)
		}
		return cmp.Compare(a.Category, b.Category)
	})
	return out
}
