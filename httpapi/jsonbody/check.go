// Package jsonbody reads the JSON bodies of writ's API strictly, every
// error an EINVALID *writ.Error naming the field at fault. It imports
// nothing of writ's but the error type and the demand's input, so that
// its fuzz targets build small.
package jsonbody

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"

	"writ"
)

// Check holds a JSON body to one meaning before it is decoded:
// encoding/json would take the last of two keys with the same name and
// match a key to a field whatever its case, so {"to":"closed","TO":"noticed"}
// could mean one thing to writ and another to a proxy or a log reader. A
// key named twice, a key that matches a field only when case is ignored,
// and a NUL character anywhere (which PostgreSQL cannot store) are refused
// with the field's name. t is the type the body is decoded into, or nil
// when only the key names and characters are checked. Malformed JSON passes
// here and is reported by the decoder, with its position.
func Check(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	err := checkValue(dec, t, "")
	if _, ok := err.(*writ.Error); ok {
		return err
	}
	return nil
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// checkValue reads one value from dec, checking it against t (nil: any).
func checkValue(dec *json.Decoder, t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// A type that decodes itself (a time, a date) is a leaf whose
	// characters are still checked.
	if t != nil && (reflect.PointerTo(t).Implements(unmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType)) {
		t = nil
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok := tok.(type) {
	case string:
		if strings.IndexByte(tok, 0) >= 0 {
			return writ.FieldErrorf(fieldName(path), "contains a NUL character")
		}
	case json.Delim:
		switch tok {
		case '{':
			return checkObject(dec, t, path)
		case '[':
			var elem reflect.Type
			if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
				elem = t.Elem()
			}
			for i := 0; dec.More(); i++ {
				if err := checkValue(dec, elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
					return err
				}
			}
			_, err := dec.Token()
			return err
		}
	}
	return nil
}

// checkObject reads the members of an object whose '{' has been read.
func checkObject(dec *json.Decoder, t reflect.Type, path string) error {
	var fields map[string]reflect.Type
	var elem reflect.Type
	if t != nil {
		switch t.Kind() {
		case reflect.Struct:
			fields = jsonFields(t)
		case reflect.Map:
			elem = t.Elem()
		}
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		name := key
		if path != "" {
			name = path + "." + key
		}
		if name == "" {
			name = `""` // the empty key of the body itself
		}
		if strings.IndexByte(key, 0) >= 0 {
			return writ.FieldErrorf(fieldName(path), "a key contains a NUL character")
		}
		if seen[key] {
			return writ.FieldErrorf(name, "named twice: give each field once")
		}
		seen[key] = true
		vt := elem
		if fields != nil {
			ft, ok := fields[key]
			if !ok {
				for known := range fields {
					if strings.EqualFold(known, key) {
						return writ.FieldErrorf(name, "unknown field: field names are case-sensitive (did you mean %q?)", known)
					}
				}
			}
			vt = ft
		}
		if err := checkValue(dec, vt, name); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

// jsonFields maps the JSON names of a struct's fields to their types, as
// encoding/json names them (embedded structs' fields included).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for n, typ := range jsonFields(ft) {
					out[n] = typ
				}
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// fieldName is the name an error gives a value at path: "" is the body.
func fieldName(path string) string {
	if path == "" {
		return "body"
	}
	return path
}
