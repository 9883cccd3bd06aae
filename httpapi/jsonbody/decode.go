package jsonbody

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"

	"writ"
)

// Decode decodes one JSON value strictly into v: besides what Check
// refuses, an unknown field, a value of the wrong type and
// trailing data are errors naming the field.
func Decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return writ.Errorf(writ.EINVALID, "the body is empty; send a JSON object")
	}
	if err := Check(body, reflect.TypeOf(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return writ.Errorf(writ.EINVALID, "unexpected data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return writ.Errorf(writ.EINVALID, "unexpected data after the JSON object")
	}
	return nil
}

// jsonError turns a decoding error into an EINVALID error naming the field.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var we *writ.Error
	switch {
	case errors.As(err, &we):
		return we
	case errors.As(err, &syntax):
		return writ.Errorf(writ.EINVALID, "malformed JSON at byte %d: %s", syntax.Offset, syntax.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return writ.Errorf(writ.EINVALID, "expected a JSON %s, got %s", jsonKind(typ.Type.Kind().String()), typ.Value)
		}
		return writ.FieldErrorf(field, "expected %s, got %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return writ.Errorf(writ.EINVALID, "malformed JSON: the body ends too early")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field, _ := strconv.Unquote(name)
		return writ.FieldErrorf(field, "unknown field")
	}
	return writ.Errorf(writ.EINVALID, "malformed JSON: %s", err.Error())
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	case "float64", "int", "int64":
		return "a number"
	}
	return "another type"
}
