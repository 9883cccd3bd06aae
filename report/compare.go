package report

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// Diff compares two reports figure by figure and returns one line for each
// value that differs, by its path in the JSON form
// ("countries[DE].outcomes.rejected.demands: 12 ≠ 11"); nil when they are
// the same. Lists of countries, rows, instruments and categories are
// matched by their key, so a missing country shows as such instead of
// shifting every row after it.
func Diff(published, recomputed *Report) []string {
	a, b := generic(published), generic(recomputed)
	var out []string
	diffValue("", a, b, &out)
	return out
}

func generic(r *Report) any {
	data, err := json.Marshal(r)
	if err != nil {
		return nil
	}
	var v any
	json.Unmarshal(data, &v)
	return v
}

// keyOf names a list element by the fields that identify it.
func keyOf(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	var key string
	for _, f := range []string{"country", "outcome_group", "instrument", "category", "process"} {
		if s, ok := m[f].(string); ok {
			if key != "" {
				key += "/"
			}
			key += s
		}
	}
	return key
}

func diffValue(path string, a, b any, out *[]string) {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: %s ≠ %s", path, show(a), show(b)))
			return
		}
		keys := map[string]bool{}
		for k := range x {
			keys[k] = true
		}
		for k := range y {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			p := k
			if path != "" {
				p = path + "." + k
			}
			diffValue(p, x[k], y[k], out)
		}
	case []any:
		y, ok := b.([]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: %s ≠ %s", path, show(a), show(b)))
			return
		}
		if len(x) > 0 && keyOf(x[0]) != "" {
			byKey := func(list []any) (map[string]any, []string) {
				m := map[string]any{}
				var order []string
				for _, e := range list {
					k := keyOf(e)
					if _, dup := m[k]; !dup {
						order = append(order, k)
					}
					m[k] = e
				}
				return m, order
			}
			mx, ox := byKey(x)
			my, oy := byKey(y)
			for _, k := range ox {
				if _, ok := my[k]; !ok {
					*out = append(*out, fmt.Sprintf("%s[%s]: in the report, not in the records", path, k))
					continue
				}
				diffValue(path+"["+k+"]", mx[k], my[k], out)
			}
			for _, k := range oy {
				if _, ok := mx[k]; !ok {
					*out = append(*out, fmt.Sprintf("%s[%s]: in the records, not in the report", path, k))
				}
			}
			return
		}
		for i := range max(len(x), len(y)) {
			var ex, ey any
			if i < len(x) {
				ex = x[i]
			}
			if i < len(y) {
				ey = y[i]
			}
			diffValue(path+"["+strconv.Itoa(i)+"]", ex, ey, out)
		}
	default:
		if show(a) != show(b) {
			*out = append(*out, fmt.Sprintf("%s: %s ≠ %s", path, show(a), show(b)))
		}
	}
}

func show(v any) string {
	if v == nil {
		return "(none)"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
