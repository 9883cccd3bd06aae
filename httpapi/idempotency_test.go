package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"writ"
	"writ/store/storetest"
)

// count is how many items the list at path holds for caller.
func (f *apiFixture) count(t *testing.T, caller, path string) int {
	t.Helper()
	status, body := f.do(t, caller, "GET", path, nil)
	var page struct{ Items []json.RawMessage }
	if err := json.Unmarshal(body, &page); status != 200 || err != nil {
		t.Fatalf("GET %s: %d %s", path, status, body)
	}
	return len(page.Items)
}

func TestIdempotencyKeyOnCreatingRoutesOnBothDatabases(t *testing.T) {
	for _, db := range []struct {
		name string
		open storetest.Opener
	}{{"SQLite", storetest.SQLite}, {"Postgres", storetest.Postgres}} {
		t.Run(db.name, func(t *testing.T) {
			f := newAPIFixtureOn(t, db.open)
			docs := fmt.Sprintf("/v1/demands/%d/documents", f.dUS.ID)
			// A call-back confirms an emergency request.
			in := storetest.Warrant("anna@beispiel.example")
			in.Instrument, in.IssuedBy, in.Emergency = "us_emergency", "other", &writ.Emergency{Justification: "a threat to life"}
			emergency, _, err := f.Store.CreateDemand(context.Background(), f.AgencyUserUS, in, "")
			if err != nil {
				t.Fatal(err)
			}
			callbacks := fmt.Sprintf("/v1/demands/%d/callbacks", emergency.ID)
			for _, c := range []struct {
				name, caller, path, list, body, other string
				status                                int
			}{
				{"agency", "admin", "/v1/agencies", "/v1/agencies?limit=500", `{"name":"Parquet de Lyon","country":"FR","kind":"court"}`, `{"name":"Parquet de Nice","country":"FR","kind":"court"}`, 201},
				{"customer", "admin", "/v1/customers", "/v1/customers?limit=500", `{"name":"Acme","kind":"consumer","home_country":"FR","key_custody":"provider_managed","data_locations":[{"region":"eu-west-3","country":"FR"}]}`, `{"name":"Acme 2","kind":"consumer","home_country":"FR","key_custody":"provider_managed","data_locations":[{"region":"eu-west-3","country":"FR"}]}`, 201},
				{"call-back", "reviewer", callbacks, callbacks, `{"number":"+1 555 0100","outcome":"confirmed"}`, `{"number":"+1 555 0101","outcome":"confirmed"}`, 201},
				{"document", "agencyUS", docs + "?name=a.pdf", docs, "%PDF-1.7 first", "%PDF-1.7 second", 201},
			} {
				t.Run(c.name, func(t *testing.T) {
					before := f.count(t, c.caller, c.list)
					s1, b1 := f.do(t, c.caller, "POST", c.path, []byte(c.body), "Idempotency-Key", "k-"+c.name)
					s2, b2 := f.do(t, c.caller, "POST", c.path, []byte(c.body), "Idempotency-Key", "k-"+c.name)
					if s1 != c.status || s2 != s1 || !bytes.Equal(b1, b2) {
						t.Fatalf("first %d %s, retry %d %s", s1, b1, s2, b2)
					}
					if n := f.count(t, c.caller, c.list); n != before+1 {
						t.Fatalf("%d items after a create and its retry, want %d", n, before+1)
					}
					s3, b3 := f.do(t, c.caller, "POST", c.path, []byte(c.other), "Idempotency-Key", "k-"+c.name)
					if s3 != 422 || !bytes.Contains(b3, []byte(`"code":"EKEYREUSED"`)) || !bytes.Contains(b3, []byte(`"field":"Idempotency-Key"`)) {
						t.Fatalf("key reused with another body: %d %s", s3, b3)
					}
					if n := f.count(t, c.caller, c.list); n != before+1 {
						t.Fatalf("%d items after a reused key, want %d", n, before+1)
					}
				})
			}

			// A key is per operation: the agency's key is free for a customer.
			s, b := f.do(t, "admin", "POST", "/v1/customers", []byte(`{"name":"Other","kind":"consumer","home_country":"FR","key_custody":"provider_managed","data_locations":[{"region":"eu-west-3","country":"FR"}]}`), "Idempotency-Key", "k-agency")
			if s != 201 {
				t.Fatalf("a key of another operation: %d %s", s, b)
			}

			// A request that failed does not use up its key.
			s, b = f.do(t, "admin", "POST", "/v1/agencies", []byte(`{"name":"","country":"FR","kind":"court"}`), "Idempotency-Key", "k-failed")
			if s != 400 {
				t.Fatalf("invalid agency: %d %s", s, b)
			}
			s, b = f.do(t, "admin", "POST", "/v1/agencies", []byte(`{"name":"Tribunal de Lille","country":"FR","kind":"court"}`), "Idempotency-Key", "k-failed")
			if s != 201 {
				t.Fatalf("a key after a failure: %d %s", s, b)
			}
		})
	}
}

// A new token is shown once and never kept: a retry of its creation with
// the same key is 409 ECONFLICT and makes no second token.
func TestIdempotentTokenCreationIsNotReplayed(t *testing.T) {
	f := newAPIFixture(t)
	path := fmt.Sprintf("/v1/users/%d/tokens", f.Auditor.UserID)
	before := f.count(t, "auditor", path)
	s1, b1 := f.do(t, "auditor", "POST", path, []byte(`{"label":"ci"}`), "Idempotency-Key", "t")
	s2, b2 := f.do(t, "auditor", "POST", path, []byte(`{"label":"ci"}`), "Idempotency-Key", "t")
	if s1 != 201 || s2 != 409 || !bytes.Contains(b2, []byte(`"code":"`+writ.ECONFLICT+`"`)) || bytes.Contains(b2, []byte("writ_")) {
		t.Fatalf("first %d %s, retry %d %s", s1, b1, s2, b2)
	}
	if n := f.count(t, "auditor", path); n != before+1 {
		t.Fatalf("%d tokens, want %d", n, before+1)
	}
	var kept string
	if err := f.Store.DB().QueryRow(`SELECT response FROM idempotency_keys WHERE key LIKE '%tokens t'`).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains([]byte(kept), []byte("writ_")) {
		t.Fatalf("the token's secret was kept: %s", kept)
	}
}
