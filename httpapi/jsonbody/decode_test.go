package jsonbody

import (
	"testing"

	"writ"
)

// FuzzDecode drives the strict decoder with arbitrary bodies into the
// request types of writ's own package and the demand's: it never panics,
// and every refusal is an EINVALID error with a message. (httpapi's
// TestDecodeBodies holds every body type of the API to the same.)
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"instrument":"us_subpoena","issued_by":"other","data_categories":["subscriber"],"due":"2026-12-01T00:00:00Z"}`,
		`{"to":"challenged","rationale":"r","challenge":{"grounds":"g","forum":"f"}}`,
		`{"number":"+1 555 0100","outcome":"confirmed"}`, `{"method":"phone","evidence":"e"}`,
		`{"extension_served":true,"until":"2027-01-01","checked":"docket"}`, `{"expires_in_days":30}`,
		`{`, `[]`, `null`, `{"label":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{&DemandBody{}, &writ.TransitionInput{}, &writ.TokenInput{}, &writ.CallbackInput{}, &writ.NondisclosureReview{}} {
			if err := Decode(body, v); err != nil {
				if writ.ErrorCode(err) != writ.EINVALID || writ.ErrorMessage(err) == "" {
					t.Fatalf("%T: error %v with code %s", v, err, writ.ErrorCode(err))
				}
			}
		}
	})
}
