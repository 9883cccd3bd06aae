package jsonbody

import (
	"reflect"
	"testing"

	"writ"
)

// Check reads any bytes without panicking and refuses only with
// EINVALID naming a field; a body it refuses is one encoding/json alone
// would have taken with another meaning or PostgreSQL could not store.
func FuzzCheckBody(f *testing.F) {
	for _, s := range []string{`{"to":"closed","TO":"x"}`, `{"a":1,"a":2}`, `{"reference":"x\u0000"}`, `[{"x":[1,{"y":"z"}]}]`, `{"nondisclosure":{"basis":"b","Basis":"c"}}`, `{`, `"\u0000"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		err := Check(body, reflect.TypeFor[DemandBody]())
		if err == nil {
			return
		}
		if writ.ErrorCode(err) != writ.EINVALID || writ.ErrorField(err) == "" {
			t.Fatalf("Check(%q) = %v", body, err)
		}
	})
}
