package store

import (
	"fmt"
	"slices"
	"strings"

	"writ"
)

// narrowCategories applies a narrowing of the categories a demand asks
// for: the legal team may drop categories (an agency agreed to ask for
// less, say), never add one, since a category the agency did not ask for
// is no part of its demand. At least one category stays: a demand for
// nothing is answered by a transition ("no data", a rejection), not by an
// edit.
func narrowCategories(d *writ.Demand, to *[]string, changed map[string]any) error {
	if to == nil {
		return nil
	}
	if len(*to) == 0 {
		return writ.FieldErrorf("data_categories", "keep at least one of the categories the demand asks for (%s)", strings.Join(d.DataCategories, ", "))
	}
	kept := make([]string, 0, len(*to))
	for i, c := range *to {
		field := fmt.Sprintf("data_categories[%d]", i)
		if !slices.Contains(d.DataCategories, c) {
			return writ.FieldErrorf(field, "%q is not among the categories the demand asks for (%s): categories may only be narrowed, never added", c, strings.Join(d.DataCategories, ", "))
		}
		if slices.Contains(kept, c) {
			return writ.FieldErrorf(field, "%q is named twice", c)
		}
		kept = append(kept, c)
	}
	if len(kept) == len(d.DataCategories) {
		return nil // every category kept: nothing narrowed
	}
	// The demand's own order, whatever the order they were named in.
	narrowed := slices.DeleteFunc(slices.Clone(d.DataCategories), func(c string) bool { return !slices.Contains(kept, c) })
	changed["data_categories"] = map[string]any{"from": d.DataCategories, "to": narrowed}
	d.DataCategories = narrowed
	return nil
}
