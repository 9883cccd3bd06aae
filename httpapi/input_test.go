package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"writ"
)

func TestBadInputGetsA4xxNamingTheField(t *testing.T) {
	f := newAPIFixture(t)
	valid := `{"instrument":"us_subpoena","issued_by":"other","data_categories":["subscriber"],"accounts":["joe@mail.example"]}`
	edit := func(old, new string) string { return strings.Replace(valid, old, new, 1) }
	cases := []struct {
		name, method, path, body string
		header                   []string
		status                   int
		code, field              string
	}{
		{"malformed JSON", "POST", "/v1/demands", `{"instrument": "us_subpoena",`, nil, 400, writ.EINVALID, ""},
		{"not an object", "POST", "/v1/demands", `[1,2]`, nil, 400, writ.EINVALID, ""},
		{"empty body", "POST", "/v1/demands", ``, nil, 400, writ.EINVALID, ""},
		{"trailing data", "POST", "/v1/demands", valid + `{}`, nil, 400, writ.EINVALID, ""},
		{"unknown field", "POST", "/v1/demands", edit(`"instrument"`, `"instrumnet":"x","instrument"`), nil, 400, writ.EINVALID, "instrumnet"},
		{"wrong type", "POST", "/v1/demands", edit(`"accounts":["joe@mail.example"]`, `"accounts":"joe@mail.example"`), nil, 400, writ.EINVALID, "accounts"},
		{"wrong nested type", "POST", "/v1/demands", edit(`"accounts"`, `"emergency":{"justification":7},"accounts"`), nil, 400, writ.EINVALID, "emergency.justification"},
		{"unknown instrument", "POST", "/v1/demands", edit(`us_subpoena`, `us_letter`), nil, 400, writ.EINVALID, "instrument"},
		{"unknown category", "POST", "/v1/demands", edit(`["subscriber"]`, `["subscriber","dna"]`), nil, 400, writ.EINVALID, "data_categories[1]"},
		{"missing categories", "POST", "/v1/demands", edit(`"data_categories":["subscriber"],`, ``), nil, 400, writ.EINVALID, "data_categories"},
		{"missing instrument", "POST", "/v1/demands", edit(`"instrument":"us_subpoena",`, ``), nil, 400, writ.EINVALID, "instrument"},
		{"bad country", "POST", "/v1/demands", edit(`"accounts"`, `"subject_residence":"Germany","accounts"`), nil, 400, writ.EINVALID, "subject_residence"},
		{"bad language", "POST", "/v1/demands", edit(`"accounts"`, `"language":"French","accounts"`), nil, 400, writ.EINVALID, "language"},
		{"a language that is no ISO 639-1 code", "POST", "/v1/demands", edit(`"accounts"`, `"language":"xx","accounts"`), nil, 400, writ.EINVALID, "language"},
		{"a language of the wrong type", "POST", "/v1/demands", edit(`"accounts"`, `"language":["fr"],"accounts"`), nil, 400, writ.EINVALID, "language"},
		{"bad due time", "POST", "/v1/demands", edit(`"accounts"`, `"due":"next Tuesday","accounts"`), nil, 400, writ.EINVALID, "due"},
		{"bad order date", "POST", "/v1/demands", edit(`"accounts"`, `"nondisclosure":{"basis":"2705(b)","until":"2027-13-01"},"accounts"`), nil, 400, writ.EINVALID, "nondisclosure.until"},
		{"a call-back claimed", "POST", "/v1/demands", edit(`"accounts"`, `"emergency":{"justification":"danger","verified_by_callback":true},"accounts"`), nil, 400, writ.EINVALID, "emergency.verified_by_callback"},
		{"oversized body", "POST", "/v1/demands", `{"reference":"` + strings.Repeat("x", maxBody) + `"}`, nil, 413, writ.ETOOLARGE, ""},
		{"not JSON", "POST", "/v1/demands", valid, []string{"Content-Type", "text/plain"}, 400, writ.EINVALID, "Content-Type"},
		{"long idempotency key", "POST", "/v1/demands", valid, []string{"Idempotency-Key", strings.Repeat("k", 201)}, 400, writ.EINVALID, "Idempotency-Key"},
		{"bad transition target", "POST", "/v1/demands/1/transitions", `{"to":"archived","rationale":"x"}`, nil, 400, writ.EINVALID, "to"},
		{"transition without target", "POST", "/v1/demands/1/transitions", `{"rationale":"x"}`, nil, 400, writ.EINVALID, "to"},
		{"bad patch time", "PATCH", "/v1/demands/1", `{"due":"2026-02-30T00:00:00Z"}`, nil, 400, writ.EINVALID, "due"},
		{"bad id", "GET", "/v1/demands/abc", ``, nil, 400, writ.EINVALID, "id"},
		{"unknown filter", "GET", "/v1/demands?stat=received", ``, nil, 400, writ.EINVALID, "stat"},
		{"bad state filter", "GET", "/v1/demands?state=lost", ``, nil, 400, writ.EINVALID, "state"},
		{"bad limit", "GET", "/v1/demands?limit=-3", ``, nil, 400, writ.EINVALID, "limit"},
		{"bad deadline filter", "GET", "/v1/demands?deadline_before=tomorrow", ``, nil, 400, writ.EINVALID, "deadline_before"},
		{"upload not a document", "POST", "/v1/demands/1/documents?name=x.pdf", `<script>alert(1)</script>`, nil, 400, writ.EINVALID, "document"},
		{"upload too large", "POST", "/v1/demands/1/documents?name=x.pdf", "%PDF-" + strings.Repeat("x", writ.MaxDocumentSize), nil, 413, writ.ETOOLARGE, "document"},
		{"unknown route", "GET", "/v1/warrants", ``, nil, 404, writ.ENOTFOUND, ""},
		{"bad case", "POST", "/v1/assess", strings.Replace(exampleCase, `"us_search_warrant"`, `"us_letter"`, 1), nil, 400, writ.EINVALID, "demand.instrument"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			caller := "agencyUS"
			if strings.HasPrefix(c.path, "/v1/assess") || strings.Contains(c.path, "/transitions") || c.method == "PATCH" {
				caller = "reviewer"
			}
			status, body := f.do(t, caller, c.method, c.path, []byte(c.body), c.header...)
			var e errorBody
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("status %d, body not an error: %s", status, body)
			}
			if status != c.status || e.Error.Code != c.code || e.Error.Field != c.field || e.Error.Message == "" {
				t.Fatalf("got %d %+v, want %d %s field %q", status, e.Error, c.status, c.code, c.field)
			}
		})
	}
	status, body := f.do(t, "reviewer", "GET", "/v1/demands?limit=500", nil)
	if status != 200 || bytes.Count(body, []byte(`"reference"`)) != 2 {
		t.Fatalf("bad input left demands behind: %s", body)
	}
}

func TestIdempotentSubmissionOverHTTP(t *testing.T) {
	f := newAPIFixture(t)
	body := []byte(`{"reference":"R-1","instrument":"us_subpoena","issued_by":"other","data_categories":["subscriber"],"accounts":["joe@mail.example"]}`)
	s1, b1 := f.do(t, "agencyUS", "POST", "/v1/demands", body, "Idempotency-Key", "abc")
	s2, b2 := f.do(t, "agencyUS", "POST", "/v1/demands", body, "Idempotency-Key", "abc")
	if s1 != 201 || s2 != 201 {
		t.Fatalf("statuses %d %d", s1, s2)
	}
	var d1, d2 writ.Demand
	json.Unmarshal(b1, &d1)
	json.Unmarshal(b2, &d2)
	if d1.ID == 0 || d1.ID != d2.ID {
		t.Fatalf("retry gave demand %d after %d", d2.ID, d1.ID)
	}
	s3, b3 := f.do(t, "agencyUS", "POST", "/v1/demands", bytes.Replace(body, []byte("R-1"), []byte("R-2"), 1), "Idempotency-Key", "abc")
	if s3 != 422 || !bytes.Contains(b3, []byte(`"code":"EKEYREUSED"`)) || !bytes.Contains(b3, []byte(`"field":"Idempotency-Key"`)) {
		t.Fatalf("reused key with another body: %d %s", s3, b3)
	}
}

func TestInternalErrorsDoNotLeak(t *testing.T) {
	f := newAPIFixture(t)
	f.Store.Close() // every query now fails inside the driver
	status, body := f.do(t, "reviewer", "GET", "/v1/demands", nil)
	if status < 500 {
		t.Fatalf("status %d: %s", status, body)
	}
	for _, leak := range []string{"sql", "sqlite", "database is closed", "/tmp"} {
		if bytes.Contains(bytes.ToLower(body), []byte(leak)) {
			t.Fatalf("response leaks %q: %s", leak, body)
		}
	}
}

// A demand carries its version as its ETag; a change must name it in
// If-Match: without it 428 EIFMATCH, with another version 412
// EPRECONDITION (nothing changes), with the current one 200 and the new
// ETag.
func TestPatchNeedsIfMatch(t *testing.T) {
	f := newAPIFixture(t)
	path := fmt.Sprintf("/v1/demands/%d", f.dUS.ID)
	req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+f.tokens["reviewer"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	tag := res.Header.Get("ETag")
	d, err := f.Store.Demand(context.Background(), f.Reviewer, f.dUS.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(`"%d"`, d.Version); tag != want {
		t.Fatalf("ETag %q, want %q", tag, want)
	}
	body := []byte(`{"reference":"amended"}`)
	status, out := f.do(t, "reviewer", "PATCH", path, body)
	wantError(t, status, out, 428, writ.EIFMATCH, "If-Match")
	status, out = f.do(t, "reviewer", "PATCH", path, body, "If-Match", fmt.Sprintf(`"%d"`, d.Version-1))
	wantError(t, status, out, 412, writ.EPRECONDITION, "If-Match")
	status, out = f.do(t, "reviewer", "PATCH", path, body, "If-Match", "W/"+tag)
	wantError(t, status, out, 400, writ.EINVALID, "If-Match")
	if again, _ := f.Store.Demand(context.Background(), f.Reviewer, f.dUS.ID); again.Version != d.Version || again.Reference == "amended" {
		t.Fatalf("a refused change changed the demand: version %d, reference %q", again.Version, again.Reference)
	}
	req, _ = http.NewRequest("PATCH", f.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+f.tokens["reviewer"])
	req.Header.Set("If-Match", tag)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("ETag") == tag || res.Header.Get("ETag") == "" {
		t.Fatalf("PATCH with the current ETag: %d, new ETag %q (was %q)", res.StatusCode, res.Header.Get("ETag"), tag)
	}
}
