package rules

import (
	"cmp"
	"slices"
)

// conflictsOf is rulebook.md §3: the laws a disclosure would collide with.
// A preservation instrument compels no disclosure and so collides with
// nothing; any other demand is assessed even when it is deficient.
func (rb *Rulebook) conflictsOf(f *facts) []Conflict {
	out := []Conflict{}
	if f.inst.preserveOnly {
		return out
	}
	for _, r := range rb.conflicts {
		if r.holds(f) {
			out = append(out, Conflict{Code: r.code, Message: r.text.render(f)})
		}
	}
	slices.SortFunc(out, func(a, b Conflict) int { return cmp.Compare(a.Code, b.Code) })
	return out
}

// holds reports whether every condition of the rule holds for the case.
func (r *conflictRule) holds(f *facts) bool {
	authority := f.d.Authority.Country
	cu := &f.c.Customer
	switch {
	case r.authorityIn != nil && !r.authorityIn[authority]:
		return false
	case r.authorityNotIn != nil && r.authorityNotIn[authority]:
		return false
	case r.dataIn != nil && !f.storedIn(r.dataIn):
		return false
	case r.homeIn != nil && !r.homeIn[cu.HomeCountry]:
		return false
	case r.dataOrHomeIn != nil && !f.storedIn(r.dataOrHomeIn) && !r.dataOrHomeIn[cu.HomeCountry]:
		return false
	case r.kindNotIn != nil && r.kindNotIn[cu.Kind]:
		return false
	case r.categories != nil && !f.asksAny(r.categories):
		return false
	case r.instrumentNotIn != nil && r.instrumentNotIn[f.inst.code]:
		return false
	}
	return true
}
