package rules

import (
	"cmp"
	"slices"
)

// conflictsOf is rulebook.md §3: the laws a disclosure would collide with.
// A preservation instrument compels no disclosure and so collides with
// nothing; any other demand is assessed even when it is deficient or not in
// force.
func (rb *Rulebook) conflictsOf(f *facts, sufficient bool) []Conflict {
	out := []Conflict{}
	if f.inst.preserveOnly {
		return out
	}
	for _, r := range rb.conflicts {
		if r.holds(f, sufficient) {
			out = append(out, Conflict{Code: r.code, Message: r.text.render(f)})
		}
	}
	slices.SortFunc(out, func(a, b Conflict) int { return cmp.Compare(a.Code, b.Code) })
	return out
}

// holds reports whether every condition of the rule holds for the case.
func (r *conflictRule) holds(f *facts, sufficient bool) bool {
	authority := f.d.Authority.Country
	cu := &f.c.Customer
	code := f.inst.code
	switch {
	case r.authorityIn != nil && !r.authorityIn[authority]:
		return false
	case r.authorityNotIn != nil && r.authorityNotIn[authority]:
		return false
	case r.dataIn != nil && !f.soughtIn(r.dataIn):
		return false
	case r.homeIn != nil && !r.homeIn[cu.HomeCountry]:
		return false
	case r.dataOrHomeIn != nil && !f.soughtIn(r.dataOrHomeIn) && !r.dataOrHomeIn[cu.HomeCountry]:
		return false
	case r.kindNotIn != nil && r.kindNotIn[cu.Kind]:
		return false
	case r.categories != nil && !f.asksAny(r.categories):
		return false
	case r.instrumentNotIn != nil && r.instrumentNotIn[code]:
		return false
	case r.unlessSufficient[code] && sufficient:
		return false
	case r.unlessVerifiedEmergency[code] && f.verified:
		return false
	}
	return true
}
