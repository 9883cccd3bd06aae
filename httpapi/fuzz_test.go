package httpapi

import (
	"testing"

	"writ"
	"writ/identity"
	"writ/store"
)

// FuzzDecodeBodies drives the strict decoder with every request body type
// of the API: it never panics, and every refusal is an EINVALID error with
// a message.
func FuzzDecodeBodies(f *testing.F) {
	for _, s := range []string{
		`{"name":"Sheriff","country":"US","kind":"law_enforcement","domains":["s.example.gov"]}`,
		`{"name":"C","kind":"enterprise","home_country":"DE","key_custody":"provider_managed","data_locations":[{"region":"r","country":"DE"}]}`,
		`{"name":"U","email":"u@x.example","role":"agency","agency_id":1}`,
		`{"reference":"x","due":"2026-12-01T00:00:00Z","nondisclosure":{"basis":"b","until":"2027-01-01"}}`,
		`{"to":"challenged","rationale":"r","challenge":{"grounds":"g","forum":"f"}}`,
		`{"confirmation":"called"}`, `{"label":1}`, `{`, `[]`, `null`,
		`{"number":"+1 555 0100","outcome":"confirmed"}`, `{"method":"phone","evidence":"e"}`,
		`{"extension_served":true,"until":"2027-01-01","checked":"docket"}`, `{"expires_in_days":30}`, `{"reason":"left"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		targets := []any{&store.AgencyInput{}, &store.CustomerInput{}, &identity.UserInput{}, &patchBody{},
			&writ.TransitionInput{}, &confirmationBody{}, &writ.TokenInput{}, &writ.CallbackInput{}, &writ.NondisclosureReview{},
			&reasonBody{}}
		for _, v := range targets {
			if err := decodeStrict(body, v); err != nil {
				if writ.ErrorCode(err) != writ.EINVALID || writ.ErrorMessage(err) == "" {
					t.Fatalf("%T: error %v with code %s", v, err, writ.ErrorCode(err))
				}
			}
		}
	})
}
