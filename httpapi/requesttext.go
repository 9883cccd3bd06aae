package httpapi

import (
	"net/http"
	"strings"

	"writ"
)

// checkRequestText refuses control characters in a request's path and
// query: no identifier, name or filter of the API has one, and a NUL would
// reach PostgreSQL as an error of its own instead of the caller's mistake.
// The error names the query parameter.
func checkRequestText(r *http.Request) error {
	if hasControl(r.URL.Path) {
		return writ.FieldErrorf("path", "contains a control character")
	}
	for name, values := range r.URL.Query() {
		if hasControl(name) {
			return writ.Errorf(writ.EINVALID, "a query parameter's name contains a control character")
		}
		for _, v := range values {
			if hasControl(v) {
				return writ.FieldErrorf(name, "contains a control character")
			}
		}
	}
	return nil
}

// hasControl reports whether s has a C0 control character or DEL.
func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0
}
