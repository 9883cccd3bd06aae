package httpapi

import (
	"encoding/json"
	"fmt"
	"testing"

	"writ"
)

// TestADemandSaysItsLanguage: the language a demand was written in goes
// in with the submission and comes back with the demand.
func TestADemandSaysItsLanguage(t *testing.T) {
	f := newAPIFixture(t)
	body := []byte(`{"instrument":"us_subpoena","issued_by":"other","data_categories":["subscriber"],"accounts":["joe@mail.example"],"language":"fr"}`)
	status, b := f.do(t, "agencyUS", "POST", "/v1/demands", body, "Idempotency-Key", "lang-1")
	var d writ.Demand
	if status != 201 || json.Unmarshal(b, &d) != nil || d.Language != "fr" {
		t.Fatalf("%d %s", status, b)
	}
	status, b = f.do(t, "agencyUS", "GET", fmt.Sprintf("/v1/demands/%d", d.ID), nil)
	var again writ.Demand
	if status != 200 || json.Unmarshal(b, &again) != nil || again.Language != "fr" {
		t.Fatalf("read back: %d %s", status, b)
	}
}
