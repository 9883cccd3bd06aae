package store

import (
	"strconv"
	"strings"
)

// params holds the arguments of a query put together from parts. Every query
// in store names its arguments by ordinal ($1, $2, …), which PostgreSQL
// binds natively and modernc's SQLite driver binds by the same number; a
// part whose arguments depend on the request takes its placeholders from
// add, so that the numbers stay right wherever the part lands.
type params []any

// add appends v to the arguments and returns its placeholder.
func (a *params) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// list appends vs and returns their placeholders separated by commas, for
// an IN (…) list.
func (a *params) list(vs ...any) string {
	marks := make([]string, len(vs))
	for i, v := range vs {
		marks[i] = a.add(v)
	}
	return strings.Join(marks, ", ")
}

// ordinals returns n placeholders separated by commas, numbered from
// first: ordinals(3, 2) is "$3, $4".
func ordinals(first, n int) string {
	marks := make([]string, n)
	for i := range marks {
		marks[i] = "$" + strconv.Itoa(first+i)
	}
	return strings.Join(marks, ", ")
}
