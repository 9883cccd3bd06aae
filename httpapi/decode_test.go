package httpapi

import (
	"testing"

	"writ"
	"writ/httpapi/jsonbody"
	"writ/identity"
	"writ/store"
)

// decodeSeeds are bodies of the API's requests, good and bad, for the
// types of its own and of the packages beneath it.
var decodeSeeds = []string{
	`{"name":"Sheriff","country":"US","kind":"law_enforcement","domains":["s.example.gov"]}`,
	`{"name":"C","kind":"enterprise","home_country":"DE","key_custody":"provider_managed","data_locations":[{"region":"r","country":"DE"}]}`,
	`{"name":"U","email":"u@x.example","role":"agency","agency_id":1}`,
	`{"reference":"x","due":"2026-12-01T00:00:00Z","nondisclosure":{"basis":"b","until":"2027-01-01"}}`,
	`{"confirmation":"called"}`, `{"label":1}`, `{"reason":"left"}`, `{"to":"closed","rationale":"r"}`,
}

// TestDecodeBodies decodes every seed, and every start of one, into every
// request body type of the API: none panics, and every refusal is an
// EINVALID error with a message. (jsonbody's FuzzDecode drives the decoder
// with arbitrary bodies into the types of writ's own package.)
func TestDecodeBodies(t *testing.T) {
	targets := []func() any{
		func() any { return &store.AgencyInput{} }, func() any { return &store.CustomerInput{} }, func() any { return &identity.UserInput{} },
		func() any { return &patchBody{} }, func() any { return &writ.TransitionInput{} }, func() any { return &confirmationBody{} },
		func() any { return &writ.TokenInput{} }, func() any { return &writ.CallbackInput{} }, func() any { return &writ.NondisclosureReview{} },
		func() any { return &reasonBody{} },
	}
	for _, seed := range decodeSeeds {
		for n := range len(seed) + 1 {
			for _, target := range targets {
				v := target()
				if err := jsonbody.Decode([]byte(seed[:n]), v); err != nil {
					if writ.ErrorCode(err) != writ.EINVALID || writ.ErrorMessage(err) == "" {
						t.Fatalf("%T, %q: error %v with code %s", v, seed[:n], err, writ.ErrorCode(err))
					}
				}
			}
		}
	}
}
