package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"time"

	"writ"
)

// DecodeCase reads a case in the contract's JSON form and validates it.
// Decoding is strict: an unknown field, a value of the wrong type, a null
// where a value is required, trailing data after the case, and an unknown
// code are all errors. Every error is a *writ.Error with code EINVALID whose
// Field names the JSON path at fault ("demand.data_categories[1]"); a syntax
// error names the line and column instead.
func (rb *Rulebook) DecodeCase(data []byte) (Case, error) {
	var c Case
	root, err := parseJSON(data)
	if err != nil {
		return Case{}, err
	}
	obj, err := object(root, "")
	if err != nil {
		return Case{}, err
	}
	r := caseReader{}
	err = r.fields(obj, "", map[string]func(json.RawMessage, string) error{
		"as_of":    func(v json.RawMessage, p string) error { return r.optTime(v, p, &c.AsOf) },
		"demand":   func(v json.RawMessage, p string) error { return r.demand(v, p, &c.Demand) },
		"customer": func(v json.RawMessage, p string) error { return r.customer(v, p, &c.Customer) },
	}, "demand", "customer")
	if err != nil {
		return Case{}, err
	}
	if err := rb.Validate(&c); err != nil {
		return Case{}, err
	}
	return c, nil
}

// parseJSON checks that data is exactly one JSON value.
func parseJSON(data []byte) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, syntaxError(data, err)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		offset := dec.InputOffset() - int64(len(extra))
		if err != nil {
			return nil, syntaxError(data, err)
		}
		line, col := position(data, offset)
		return nil, writ.FieldErrorf("", "invalid JSON at line %d, column %d: unexpected data after the case", line, col)
	}
	return raw, nil
}

func syntaxError(data []byte, err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		// Offset counts the offending byte itself; point at it.
		line, col := position(data, max(se.Offset-1, 0))
		return writ.FieldErrorf("", "invalid JSON at line %d, column %d: %s", line, col, trimJSONPrefix(se.Error()))
	case errors.Is(err, io.EOF):
		return writ.FieldErrorf("", "invalid JSON: the input is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return writ.FieldErrorf("", "invalid JSON: the input ends in the middle of a value")
	}
	return writ.FieldErrorf("", "invalid JSON: %s", trimJSONPrefix(err.Error()))
}

func trimJSONPrefix(s string) string {
	if len(s) > 6 && s[:6] == "json: " {
		return s[6:]
	}
	return s
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	line, col = 1, 1
	for _, b := range data[:offset] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// caseReader decodes the parts of a case, naming the path of each value.
type caseReader struct{}

// object reads a JSON object; null reads as absent.
func object(raw json.RawMessage, path string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fieldError(path, "must be an object")
	}
	return m, nil
}

func fieldError(path, format string, args ...any) error {
	if path == "" {
		return writ.FieldErrorf("", "the case "+format, args...)
	}
	return writ.FieldErrorf(path, format, args...)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// fields decodes the members of obj with the given readers, in a fixed
// order so that the first error reported does not depend on map order.
// Members that are null count as absent; required ones must be present.
func (r caseReader) fields(obj map[string]json.RawMessage, path string, readers map[string]func(json.RawMessage, string) error, required ...string) error {
	if obj == nil && path != "" {
		return fieldError(path, "is required")
	}
	for _, key := range sortedKeys(obj) {
		if _, ok := readers[key]; !ok {
			return writ.FieldErrorf(join(path, key), "unknown field")
		}
	}
	for _, key := range required {
		if v, ok := obj[key]; !ok || isJSONNull(v) {
			return writ.FieldErrorf(join(path, key), "is required")
		}
	}
	for _, key := range sortedKeys(readers) {
		v, ok := obj[key]
		if !ok || isJSONNull(v) {
			continue
		}
		if err := readers[key](v, join(path, key)); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func isJSONNull(v json.RawMessage) bool {
	return string(bytes.TrimSpace(v)) == "null"
}

func (r caseReader) demand(raw json.RawMessage, path string, d *Demand) error {
	obj, err := object(raw, path)
	if err != nil {
		return err
	}
	return r.fields(obj, path, map[string]func(json.RawMessage, string) error{
		"received_at":              func(v json.RawMessage, p string) error { return r.time(v, p, &d.ReceivedAt) },
		"channel":                  func(v json.RawMessage, p string) error { return r.str(v, p, &d.Channel) },
		"authority":                func(v json.RawMessage, p string) error { return r.authority(v, p, &d.Authority) },
		"instrument":               func(v json.RawMessage, p string) error { return r.str(v, p, &d.Instrument) },
		"issued_by":                func(v json.RawMessage, p string) error { return r.str(v, p, &d.IssuedBy) },
		"validated_by":             func(v json.RawMessage, p string) error { return r.str(v, p, &d.ValidatedBy) },
		"offence_max_years":        func(v json.RawMessage, p string) error { return r.optNumber(v, p, &d.OffenceMaxYears) },
		"offence_listed":           func(v json.RawMessage, p string) error { return r.boolean(v, p, &d.OffenceListed) },
		"offence_in_issuing_state": func(v json.RawMessage, p string) error { return r.optBoolean(v, p, &d.OffenceInIssuingState) },
		"data_categories":          func(v json.RawMessage, p string) error { return r.strings(v, p, &d.DataCategories) },
		"accounts":                 func(v json.RawMessage, p string) error { return r.strings(v, p, &d.Accounts) },
		"due":                      func(v json.RawMessage, p string) error { return r.optTime(v, p, &d.Due) },
		"nondisclosure":            func(v json.RawMessage, p string) error { return r.nondisclosure(v, p, &d.Nondisclosure) },
		"emergency":                func(v json.RawMessage, p string) error { return r.emergency(v, p, &d.Emergency) },
		"customer_first_exception": func(v json.RawMessage, p string) error { return r.str(v, p, &d.CustomerFirstException) },
		"subject_residence":        func(v json.RawMessage, p string) error { return r.str(v, p, &d.SubjectResidence) },
		"subject_location":         func(v json.RawMessage, p string) error { return r.str(v, p, &d.SubjectLocation) },
		"subject_us_person":        func(v json.RawMessage, p string) error { return r.optBoolean(v, p, &d.SubjectUSPerson) },
		"data_locations_sought":    func(v json.RawMessage, p string) error { return r.strings(v, p, &d.DataLocationsSought) },
		"notice_permitted":         func(v json.RawMessage, p string) error { return r.boolean(v, p, &d.NoticePermitted) },
	}, "received_at", "authority", "instrument", "issued_by", "data_categories", "accounts")
}

func (r caseReader) authority(raw json.RawMessage, path string, a *Authority) error {
	obj, err := object(raw, path)
	if err != nil {
		return err
	}
	return r.fields(obj, path, map[string]func(json.RawMessage, string) error{
		"name":     func(v json.RawMessage, p string) error { return r.str(v, p, &a.Name) },
		"country":  func(v json.RawMessage, p string) error { return r.str(v, p, &a.Country) },
		"kind":     func(v json.RawMessage, p string) error { return r.str(v, p, &a.Kind) },
		"verified": func(v json.RawMessage, p string) error { return r.boolean(v, p, &a.Verified) },
	}, "country", "kind", "verified")
}

func (r caseReader) nondisclosure(raw json.RawMessage, path string, out **Nondisclosure) error {
	obj, err := object(raw, path)
	if err != nil {
		return err
	}
	n := &Nondisclosure{}
	err = r.fields(obj, path, map[string]func(json.RawMessage, string) error{
		"basis": func(v json.RawMessage, p string) error { return r.str(v, p, &n.Basis) },
		"until": func(v json.RawMessage, p string) error { return r.date(v, p, &n.Until) },
	})
	*out = n
	return err
}

func (r caseReader) emergency(raw json.RawMessage, path string, out **Emergency) error {
	obj, err := object(raw, path)
	if err != nil {
		return err
	}
	e := &Emergency{}
	err = r.fields(obj, path, map[string]func(json.RawMessage, string) error{
		"justification":        func(v json.RawMessage, p string) error { return r.str(v, p, &e.Justification) },
		"verified_by_callback": func(v json.RawMessage, p string) error { return r.boolean(v, p, &e.VerifiedByCallback) },
	})
	*out = e
	return err
}

func (r caseReader) customer(raw json.RawMessage, path string, cu *Customer) error {
	obj, err := object(raw, path)
	if err != nil {
		return err
	}
	return r.fields(obj, path, map[string]func(json.RawMessage, string) error{
		"kind":         func(v json.RawMessage, p string) error { return r.str(v, p, &cu.Kind) },
		"home_country": func(v json.RawMessage, p string) error { return r.str(v, p, &cu.HomeCountry) },
		"home_subdivision": func(v json.RawMessage, p string) error {
			return r.str(v, p, &cu.HomeSubdivision)
		},
		"us_person":      func(v json.RawMessage, p string) error { return r.optBoolean(v, p, &cu.USPerson) },
		"data_locations": func(v json.RawMessage, p string) error { return r.strings(v, p, &cu.DataLocations) },
		"key_custody":    func(v json.RawMessage, p string) error { return r.str(v, p, &cu.KeyCustody) },
		"legal_contact":  func(v json.RawMessage, p string) error { return r.str(v, p, &cu.LegalContact) },
	}, "kind", "home_country", "data_locations", "key_custody")
}

func (caseReader) str(v json.RawMessage, path string, out *string) error {
	if err := json.Unmarshal(v, out); err != nil {
		return writ.FieldErrorf(path, "must be a string")
	}
	return nil
}

func (caseReader) boolean(v json.RawMessage, path string, out *bool) error {
	if err := json.Unmarshal(v, out); err != nil {
		return writ.FieldErrorf(path, "must be true or false")
	}
	return nil
}

func (r caseReader) optBoolean(v json.RawMessage, path string, out **bool) error {
	var b bool
	if err := r.boolean(v, path, &b); err != nil {
		return err
	}
	*out = &b
	return nil
}

func (caseReader) optNumber(v json.RawMessage, path string, out **float64) error {
	var f float64
	if err := json.Unmarshal(v, &f); err != nil {
		return writ.FieldErrorf(path, "must be a number")
	}
	*out = &f
	return nil
}

func (caseReader) strings(v json.RawMessage, path string, out *[]string) error {
	var items []json.RawMessage
	if err := json.Unmarshal(v, &items); err != nil {
		return writ.FieldErrorf(path, "must be a list of strings")
	}
	list := make([]string, len(items))
	for i, item := range items {
		if err := json.Unmarshal(item, &list[i]); err != nil || isJSONNull(item) {
			return writ.FieldErrorf(path+"["+strconv.Itoa(i)+"]", "must be a string")
		}
	}
	*out = list
	return nil
}

func (caseReader) time(v json.RawMessage, path string, out *time.Time) error {
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return writ.FieldErrorf(path, "must be an RFC 3339 time such as \"2026-11-20T14:00:00Z\"")
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return writ.FieldErrorf(path, "%q is not an RFC 3339 time such as \"2026-11-20T14:00:00Z\"", s)
	}
	*out = t
	return nil
}

func (r caseReader) optTime(v json.RawMessage, path string, out **time.Time) error {
	var t time.Time
	if err := r.time(v, path, &t); err != nil {
		return err
	}
	*out = &t
	return nil
}

func (caseReader) date(v json.RawMessage, path string, out **Date) error {
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return writ.FieldErrorf(path, "must be a date such as \"2027-05-20\"")
	}
	d, err := ParseDate(s)
	if err != nil {
		return writ.FieldErrorf(path, "%q is not a date of the form YYYY-MM-DD", s)
	}
	*out = &d
	return nil
}
