package jsonbody

import (
	"encoding/json"
	"testing"

	"writ"
)

func FuzzDecodeDemand(f *testing.F) {
	for _, s := range []string{
		`{"instrument":"us_subpoena","issued_by":"other","data_categories":["subscriber"],"accounts":["joe@mail.example"]}`,
		`{"instrument":"eu_epoc","issued_by":"judge","data_categories":["content"],"accounts":["a"],"nondisclosure":{"basis":"x","until":"2027-01-01"},"due":"2026-12-01T00:00:00Z"}`,
		`{"emergency":{"justification":"x","verified_by_callback":true},"received_at":"2026-11-20T14:00:00+02:00"}`,
		`{"accounts":[1]}`, `[]`, `null`, `{"due":null}`, `"x"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := DecodeDemand(body)
		if err != nil {
			if writ.ErrorCode(err) != writ.EINVALID || writ.ErrorMessage(err) == "" {
				t.Fatalf("error %v has code %s", err, writ.ErrorCode(err))
			}
			return
		}
		if in.Instrument == "" || in.IssuedBy == "" || in.DataCategories == nil {
			t.Fatalf("accepted a demand without its required fields: %s", body)
		}
		if _, err := json.Marshal(in); err != nil {
			t.Fatal(err)
		}
	})
}
