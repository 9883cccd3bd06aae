package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/httpbase"
	"writ/store/storetest"
)

// wantError fails unless the answer is an error of status, code and field.
func wantError(t *testing.T, status int, body []byte, wantStatus int, code, field string) {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("status %d, body not an error: %s", status, body)
	}
	if status != wantStatus || e.Error.Code != code || e.Error.Field != field || e.Error.Message == "" {
		t.Fatalf("got %d %+v, want %d %s field %q", status, e.Error, wantStatus, code, field)
	}
}

// A tile beyond the tree is a 404 at every level, never 8 KB of hashes of
// nothing marked immutable and never a 500 (a shift of 64 or more).
func TestTilesBeyondTheTreeAreNotFound(t *testing.T) {
	f := newAPIFixture(t)
	for _, path := range []string{"/log/tile/63/000", "/log/tile/8/000", "/log/tile/7/000", "/log/tile/9/000.p/1",
		"/log/tile/1/000", "/log/tile/0/001", "/log/tile/0/x999/999", "/log/tile/0/x123/456/789.p/3", "/log/tile/0/000"} {
		status, body := f.do(t, "anonymous", "GET", path, nil)
		wantError(t, status, body, http.StatusNotFound, writ.ENOTFOUND, "")
	}
	// The log has a few entries: its partial tile at level 0 exists.
	if status, body := f.do(t, "anonymous", "GET", "/log/tile/0/000.p/2", nil); status != http.StatusOK || len(body) != 64 {
		t.Fatalf("partial tile: %d, %d bytes", status, len(body))
	}
}

// A NUL character in a body or a query is the caller's mistake, answered
// 400 naming the field, on PostgreSQL (which cannot store one) as on
// SQLite; nothing is stored.
func TestNULBytesAreRefusedOnBothDatabases(t *testing.T) {
	for _, db := range []struct {
		name string
		open storetest.Opener
	}{{"SQLite", storetest.SQLite}, {"Postgres", storetest.Postgres}} {
		t.Run(db.name, func(t *testing.T) {
			f := newAPIFixtureOn(t, db.open)
			body := `{"reference":"SW-1\u0000x","instrument":"us_subpoena","issued_by":"other","data_categories":["subscriber"],"accounts":["joe@mail.example"]}`
			status, out := f.do(t, "agencyUS", "POST", "/v1/demands", []byte(body))
			wantError(t, status, out, 400, writ.EINVALID, "reference")
			status, out = f.do(t, "agencyUS", "POST", "/v1/demands", []byte(strings.Replace(body, `"SW-1\u0000x"`, `"SW-1"`, 1)+" "))
			if status != 201 {
				t.Fatalf("the same demand without the NUL: %d %s", status, out)
			}
			status, out = f.do(t, "agencyUS", "POST", "/v1/demands", []byte(strings.Replace(body, `"SW-1\u0000x"`, `"SW-2","accounts":["a\u0000"]`, 1)))
			wantError(t, status, out, 400, writ.EINVALID, "accounts[0]")
			for _, c := range []struct{ path, field string }{
				{"/v1/demands?text=joe%00", "text"},
				{"/v1/demands?cursor=%00", "cursor"},
				{"/v1/agencies?country=U%00", "country"},
				{fmt.Sprintf("/v1/demands/%d/documents/abc%%00", f.dUS.ID), "path"},
			} {
				status, out := f.do(t, "reviewer", "GET", c.path, nil)
				wantError(t, status, out, 400, writ.EINVALID, c.field)
			}
			status, out = f.do(t, "agencyUS", "POST", fmt.Sprintf("/v1/demands/%d/documents?name=w%%00.pdf", f.dUS.ID), []byte("%PDF-1.7 x"))
			wantError(t, status, out, 400, writ.EINVALID, "name")
			status, out = f.do(t, "reviewer", "GET", "/v1/demands?limit=500", nil)
			if status != 200 || strings.Count(string(out), `"reference"`) != 3 {
				t.Fatalf("refused bodies left demands behind: %s", out)
			}
		})
	}
}

// A body means one thing: a key named twice or in another case than the
// field's is refused naming it, as are CRLF or a list in a customer's
// legal contact and dates no order was ever issued on.
func TestOneStrictDecoderForEveryBody(t *testing.T) {
	f := newAPIFixture(t)
	valid := `{"instrument":"us_subpoena","issued_by":"other","data_categories":["subscriber"],"accounts":["joe@mail.example"]}`
	edit := func(old, new string) string { return strings.Replace(valid, old, new, 1) }
	customer := `{"name":"Acme","kind":"enterprise","home_country":"US","legal_contact":"legal@acme.example","key_custody":"provider_managed","data_locations":[{"region":"us-east","country":"US"}]}`
	cases := []struct {
		name, caller, method, path, body string
		field                            string
	}{
		{"duplicate key", "agencyUS", "POST", "/v1/demands", edit(`"instrument":"us_subpoena"`, `"instrument":"us_subpoena","instrument":"us_search_warrant"`), "instrument"},
		{"duplicate nested key", "agencyUS", "POST", "/v1/demands", edit(`"accounts"`, `"emergency":{"justification":"a","justification":"b"},"accounts"`), "emergency.justification"},
		{"case-variant key", "agencyUS", "POST", "/v1/demands", edit(`"instrument"`, `"Instrument"`), "Instrument"},
		{"case-variant nested key", "agencyUS", "POST", "/v1/demands", edit(`"accounts"`, `"nondisclosure":{"Basis":"x"},"accounts"`), "nondisclosure.Basis"},
		{"duplicate transition target", "reviewer", "POST", fmt.Sprintf("/v1/demands/%d/transitions", f.dUS.ID), `{"to":"verifying","to":"closed","rationale":"x"}`, "to"},
		{"case-variant patch", "reviewer", "PATCH", fmt.Sprintf("/v1/demands/%d", f.dUS.ID), `{"DUE":"2027-01-01T00:00:00Z"}`, "DUE"},
		{"duplicate key in a case", "reviewer", "POST", "/v1/assess", strings.Replace(exampleCase, `{`, `{"as_of":"2026-01-01T00:00:00Z","as_of":"2026-01-01T00:00:00Z",`, 1), "as_of"},
		{"year zero", "agencyUS", "POST", "/v1/demands", edit(`"accounts"`, `"date_range":{"from":"0000-01-01","to":"2026-01-01"},"accounts"`), "date_range.from"},
		{"year zero order end", "agencyUS", "POST", "/v1/demands", edit(`"accounts"`, `"nondisclosure":{"basis":"2705(b)","until":"0000-01-01"},"accounts"`), "nondisclosure.until"},
		{"year zero due", "agencyUS", "POST", "/v1/demands", edit(`"accounts"`, `"due":"0000-01-01T00:00:00Z","accounts"`), "due"},
		{"year zero patch", "reviewer", "PATCH", fmt.Sprintf("/v1/demands/%d", f.dUS.ID), `{"due":"0001-01-01T00:00:00Z"}`, "due"},
		{"legal contact with CRLF", "admin", "POST", "/v1/customers", strings.Replace(customer, `legal@acme.example`, `legal@acme.example\r\nBcc: spy@evil.example`, 1), "legal_contact"},
		{"legal contact list", "admin", "POST", "/v1/customers", strings.Replace(customer, `legal@acme.example`, `legal@acme.example, spy@evil.example`, 1), "legal_contact"},
		{"legal contact with a name", "admin", "POST", "/v1/customers", strings.Replace(customer, `legal@acme.example`, `Legal <legal@acme.example>`, 1), "legal_contact"},
		{"duplicate key in a customer", "admin", "POST", "/v1/customers", strings.Replace(customer, `"kind":"enterprise"`, `"kind":"enterprise","kind":"consumer"`, 1), "kind"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var header []string
			if c.method == "PATCH" {
				header = f.ifMatch(t, f.dUS.ID)
			}
			status, body := f.do(t, c.caller, c.method, c.path, []byte(c.body), header...)
			wantError(t, status, body, 400, writ.EINVALID, c.field)
		})
	}
	// The valid forms are taken.
	if status, body := f.do(t, "admin", "POST", "/v1/customers", []byte(customer)); status != 201 {
		t.Fatalf("valid customer: %d %s", status, body)
	}
	if status, body := f.do(t, "agencyUS", "POST", "/v1/demands", []byte(edit(`"accounts"`, `"date_range":{"from":"2025-01-01","to":"2026-01-01"},"accounts"`))); status != 201 {
		t.Fatalf("valid demand: %d %s", status, body)
	}
}

// An address that keeps sending tokens that are not writ's is slowed down:
// ten are free, then each waits twice as long as the last. Other
// addresses, behind a trusted proxy, are not.
func TestFailedAuthenticationIsThrottledPerAddress(t *testing.T) {
	f := newAPIFixture(t)
	proxy, _ := netip.ParsePrefix("127.0.0.1/32")
	srv := httptest.NewServer(New(Options{Store: f.Store, Identity: f.Identity, Rules: f.Store.Rules(), Now: f.Clock.Now, LogKey: f.logKey,
		TrustedProxies: []netip.Prefix{proxy}}))
	t.Cleanup(srv.Close)
	get := func(token, from string) (int, http.Header) {
		req, _ := http.NewRequest("GET", srv.URL+"/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Forwarded-For", from)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode, res.Header
	}
	for i := range AuthThrottle().Free {
		if status, _ := get(fmt.Sprintf("writ_%064d", i), "203.0.113.9"); status != http.StatusUnauthorized {
			t.Fatalf("bad token %d: %d, want 401", i, status)
		}
	}
	status, header := get("writ_guess", "203.0.113.9")
	if status != http.StatusTooManyRequests || header.Get("Retry-After") != "1" {
		t.Fatalf("after %d bad tokens: %d (Retry-After %q), want 429 and 1", AuthThrottle().Free, status, header.Get("Retry-After"))
	}
	// Even a good token waits from that address; another address does not.
	if status, _ := get(f.tokens["reviewer"], "203.0.113.9"); status != http.StatusTooManyRequests {
		t.Fatalf("a good token from the throttled address: %d", status)
	}
	if status, _ := get(f.tokens["reviewer"], "198.51.100.4"); status != http.StatusOK {
		t.Fatalf("a good token from another address: %d", status)
	}
	f.Clock.Advance(time.Second)
	if status, _ := get(f.tokens["reviewer"], "203.0.113.9"); status != http.StatusOK {
		t.Fatalf("after the wait: %d", status)
	}
	// A client cannot pick its address: behind no trusted proxy the
	// header is ignored.
	if httpbase.ClientIP(httptest.NewRequest("GET", "/", nil), nil) != "192.0.2.1" {
		t.Fatal("X-Forwarded-For believed without a trusted proxy")
	}
}
