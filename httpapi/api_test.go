package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/auditlog"
	"writ/identity"
	"writ/store"
	"writ/store/storetest"
)

// apiFixture is a running API over a store with the storetest registry, a
// token for every fixture user, and two demands: one by the US agency
// about the enterprise customer (redirected to it, so visible to it) and
// one by the German agency about the consumer tenant.
type apiFixture struct {
	*storetest.Fixture
	srv    *httptest.Server
	tokens map[string]string
	dUS    writ.Demand
	dDE    writ.Demand
	docSHA string
	logKey *auditlog.Key
	// approverTOTP is the approver's authenticator secret, once set up
	// (signature).
	approverTOTP string
	// production is the demand answered with a package (produced).
	production *fixtureProduction
}

// The callers of the role tests, by name.
var callers = []string{"admin", "reviewer", "approver", "auditor", "agencyUS", "agencyDE", "customerEnt", "customerCons", "anonymous"}

func newAPIFixture(t *testing.T) *apiFixture {
	t.Helper()
	return newAPIFixtureOn(t, storetest.SQLite)
}

// newAPIFixtureOn is newAPIFixture on the database open makes.
func newAPIFixtureOn(t *testing.T, open storetest.Opener) *apiFixture {
	t.Helper()
	f := &apiFixture{Fixture: storetest.NewFixture(t, open), tokens: map[string]string{}}
	rb := f.Store.Rules()
	key, err := auditlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "log.key"), "writ.test/log")
	if err != nil {
		t.Fatal(err)
	}
	f.logKey = key
	f.srv = httptest.NewServer(New(Options{Store: f.Store, Identity: f.Identity, Rules: rb, Now: f.Clock.Now, LogKey: key}))
	t.Cleanup(f.srv.Close)
	ctx := context.Background()
	for name, a := range map[string]writ.Actor{"admin": f.Admin, "reviewer": f.Reviewer, "approver": f.Approver, "auditor": f.Auditor,
		"agencyUS": f.AgencyUserUS, "agencyDE": f.AgencyUserDE, "customerEnt": f.CustomerUserEnterprise, "customerCons": f.CustomerUserConsumer} {
		token, err := f.Identity.CreateToken(ctx, writ.System(), a.UserID, writ.TokenInput{Label: "test"})
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[name] = token.Secret
	}
	f.dUS, f.docSHA = f.submitUS(t)
	// The German authority permits notice: a European Production Order is
	// otherwise kept confidential from the customer (rulebook v2 §5).
	f.dDE, _, err = f.Store.CreateDemand(ctx, f.AgencyUserDE, writ.DemandInput{Instrument: "eu_epoc", IssuedBy: "judge",
		DataCategories: []string{"subscriber"}, Accounts: []string{"joe@mail.example"}, NoticePermitted: true}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.IssueCheckpoint(ctx, key.Signer); err != nil {
		t.Fatal(err)
	}
	return f
}

// secondAdmin is an admin besides the fixture's, made once: the second
// pair of eyes on a token for another user.
func (f *apiFixture) secondAdmin(t *testing.T) writ.Actor {
	t.Helper()
	u, err := f.Store.UserByEmail(context.Background(), "adele@provider.example")
	if writ.ErrorCode(err) == writ.ENOTFOUND {
		u, err = f.Identity.CreateUser(context.Background(), writ.System(), identity.UserInput{Name: "Adele", Email: "adele@provider.example", Role: writ.RoleAdmin})
	}
	if err != nil {
		t.Fatal(err)
	}
	return writ.ActorOf(u)
}

// submitUS adds a demand of the US agency about the enterprise customer,
// with a document.
func (f *apiFixture) submitUS(t *testing.T) (writ.Demand, string) {
	t.Helper()
	d, _, err := f.Store.CreateDemand(context.Background(), f.AgencyUserUS, storetest.Warrant("anna@beispiel.example"), "")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := f.Store.AddDocument(context.Background(), f.AgencyUserUS, d.ID, "warrant.pdf", []byte("%PDF-1.7 warrant "+fmt.Sprint(d.ID)))
	if err != nil {
		t.Fatal(err)
	}
	return d, doc.SHA256
}

// do sends a request as caller and returns the status and body.
func (f *apiFixture) do(t *testing.T, caller, method, path string, body []byte, header ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token := f.tokens[caller]; token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	checkContract(t, req, body, resp, out)
	return resp.StatusCode, out
}

// ifMatch is the If-Match header of a change to demand id as it is now.
func (f *apiFixture) ifMatch(t *testing.T, id int64) []string {
	t.Helper()
	d, err := f.Store.Demand(context.Background(), f.Reviewer, id)
	if err != nil {
		t.Fatal(err)
	}
	return []string{"If-Match", fmt.Sprintf(`"%d"`, d.Version)}
}

// expect gives the status each caller gets; callers not named get other.
func expect(other int, statuses map[string]int) map[string]int {
	out := map[string]int{}
	for _, c := range callers {
		out[c] = other
		if s, ok := statuses[c]; ok {
			out[c] = s
		}
	}
	if _, ok := statuses["anonymous"]; !ok {
		out["anonymous"] = http.StatusUnauthorized
	}
	return out
}

var legal = []string{"admin", "reviewer", "approver"}

func with(statuses map[string]int, status int, names ...string) map[string]int {
	for _, n := range names {
		statuses[n] = status
	}
	return statuses
}

func TestEveryEndpointForEveryRole(t *testing.T) {
	f := newAPIFixture(t)
	dUS, dDE := f.dUS.ID, f.dDE.ID
	type req struct{ method, path, body string }
	cases := []struct {
		route string // the routes() pattern this case covers
		// build makes the request; it may set up state first (a fresh
		// demand for operations that change one).
		build func(t *testing.T, caller string) req
		want  map[string]int
	}{
		{"GET /v1/openapi.json", func(*testing.T, string) req { return req{"GET", "/v1/openapi.json", ""} }, expect(200, map[string]int{"anonymous": 200})},
		{"GET /v1/health", func(*testing.T, string) req { return req{"GET", "/v1/health", ""} }, expect(200, map[string]int{"anonymous": 200})},
		{"GET /v1/me", func(*testing.T, string) req { return req{"GET", "/v1/me", ""} }, expect(200, nil)},
		{"POST /v1/assess", func(*testing.T, string) req { return req{"POST", "/v1/assess", exampleCase} },
			expect(403, with(map[string]int{"auditor": 200}, 200, legal...))},
		{"GET /v1/agencies", func(*testing.T, string) req { return req{"GET", "/v1/agencies", ""} },
			expect(200, map[string]int{"customerEnt": 403, "customerCons": 403})},
		{"POST /v1/agencies", func(_ *testing.T, c string) req {
			return req{"POST", "/v1/agencies", fmt.Sprintf(`{"name":"Agency of %s","country":"FR","kind":"court"}`, c)}
		}, expect(403, map[string]int{"admin": 201})},
		{"GET /v1/agencies/{id}", func(*testing.T, string) req { return req{"GET", fmt.Sprintf("/v1/agencies/%d", f.AgencyUS.ID), ""} },
			expect(404, with(map[string]int{"auditor": 200, "agencyUS": 200}, 200, legal...))},
		{"POST /v1/agencies/{id}/verification", func(t *testing.T, c string) req {
			a, err := f.Store.CreateAgency(context.Background(), writ.System(), store.AgencyInput{Name: "Unverified of " + c, Country: "FR", Kind: "court"})
			if err != nil {
				t.Fatal(err)
			}
			return req{"POST", fmt.Sprintf("/v1/agencies/%d/verification", a.ID), `{"verification":"called the ministry"}`}
		}, expect(403, map[string]int{"admin": 200})},
		{"GET /v1/customers", func(*testing.T, string) req { return req{"GET", "/v1/customers", ""} },
			expect(200, map[string]int{"agencyUS": 403, "agencyDE": 403})},
		{"POST /v1/customers", func(_ *testing.T, c string) req {
			return req{"POST", "/v1/customers", fmt.Sprintf(`{"name":"Tenant of %s","kind":"consumer","home_country":"FR","key_custody":"provider_managed","data_locations":[{"region":"eu-west-3","country":"FR"}]}`, c)}
		}, expect(403, map[string]int{"admin": 201})},
		{"GET /v1/customers/{id}", func(*testing.T, string) req { return req{"GET", fmt.Sprintf("/v1/customers/%d", f.Enterprise.ID), ""} },
			expect(404, with(map[string]int{"auditor": 200, "customerEnt": 200}, 200, legal...))},
		{"POST /v1/users", func(_ *testing.T, c string) req {
			return req{"POST", "/v1/users", fmt.Sprintf(`{"name":"New","email":"new-%s@provider.example","role":"auditor"}`, strings.ToLower(c))}
		}, expect(403, map[string]int{"admin": 201})},
		// Everyone makes their own token; an admin asking for another
		// user's gets a request for a second admin (202).
		{"POST /v1/users/{id}/tokens", func(*testing.T, string) req {
			return req{"POST", fmt.Sprintf("/v1/users/%d/tokens", f.Auditor.UserID), `{"label":"x"}`}
		}, expect(403, map[string]int{"admin": 202, "auditor": 201})},
		{"GET /v1/users/{id}/tokens", func(*testing.T, string) req {
			return req{"GET", fmt.Sprintf("/v1/users/%d/tokens", f.Auditor.UserID), ""}
		},
			expect(403, map[string]int{"admin": 200, "auditor": 200})},
		{"POST /v1/users/{id}/deactivation", func(t *testing.T, c string) req {
			u, err := f.Identity.CreateUser(context.Background(), writ.System(), identity.UserInput{Name: "Leaving " + c,
				Email: "leaving-" + strings.ToLower(c) + "@provider.example", Role: writ.RoleReviewer})
			if err != nil {
				t.Fatal(err)
			}
			return req{"POST", fmt.Sprintf("/v1/users/%d/deactivation", u.ID), `{"reason":"left the company"}`}
		}, expect(403, map[string]int{"admin": 200})},
		{"POST /v1/tokens/{id}/revocation", func(t *testing.T, _ string) req {
			tok, err := f.Identity.CreateToken(context.Background(), writ.System(), f.Auditor.UserID, writ.TokenInput{Label: "to revoke"})
			if err != nil {
				t.Fatal(err)
			}
			return req{"POST", fmt.Sprintf("/v1/tokens/%d/revocation", tok.ID), `{"reason":"lost"}`}
		}, expect(404, map[string]int{"admin": 200, "auditor": 200})},
		{"GET /v1/token-requests", func(*testing.T, string) req { return req{"GET", "/v1/token-requests", ""} }, expect(403, map[string]int{"admin": 200})},
		{"POST /v1/token-requests/{id}/confirmation", func(t *testing.T, _ string) req {
			r, err := f.Identity.RequestToken(context.Background(), f.secondAdmin(t), f.Auditor.UserID, writ.TokenInput{Label: "robot"})
			if err != nil {
				t.Fatal(err)
			}
			return req{"POST", fmt.Sprintf("/v1/token-requests/%d/confirmation", r.ID), ""}
		}, expect(403, map[string]int{"admin": 201})},
		{"GET /v1/alerts", func(*testing.T, string) req { return req{"GET", "/v1/alerts", ""} },
			expect(403, with(map[string]int{"auditor": 200}, 200, legal...))},
		{"POST /v1/users/{id}/confirmation", func(t *testing.T, c string) req {
			agency := f.AgencyUS.ID
			u, err := f.Identity.CreateUser(context.Background(), writ.System(), identity.UserInput{Name: "New " + c,
				Email: strings.ToLower(c) + "@sheriff.example.gov", Role: writ.RoleAgency, AgencyID: &agency})
			if err != nil {
				t.Fatal(err)
			}
			return req{"POST", fmt.Sprintf("/v1/users/%d/confirmation", u.ID), `{"confirmation":"called the registered number"}`}
		}, expect(403, with(map[string]int{}, 200, legal...))},
		{"GET /v1/demands", func(*testing.T, string) req { return req{"GET", "/v1/demands", ""} }, expect(200, nil)},
		{"POST /v1/demands", func(_ *testing.T, c string) req {
			if c == "agencyUS" || c == "agencyDE" {
				return req{"POST", "/v1/demands", `{"instrument":"us_subpoena","issued_by":"other","data_categories":["subscriber"],"accounts":["joe@mail.example"]}`}
			}
			return req{"POST", "/v1/demands", fmt.Sprintf(`{"agency_id":%d,"channel":"mail","instrument":"us_subpoena","issued_by":"other","data_categories":["subscriber"],"accounts":["joe@mail.example"]}`, f.AgencyUS.ID)}
		}, expect(403, with(map[string]int{"agencyUS": 201, "agencyDE": 201}, 201, legal...))},
		// The same answer for a held account and for one nobody holds.
		{"POST /v1/demands/preview", func(_ *testing.T, c string) req {
			body := `{"instrument":"us_subpoena","issued_by":"other","data_categories":["content"],"accounts":["nobody@nowhere.example"]}`
			if c != "agencyUS" && c != "agencyDE" {
				body = fmt.Sprintf(`{"agency_id":%d,"channel":"mail","instrument":"us_subpoena","issued_by":"other","data_categories":["content"],"accounts":["joe@mail.example"]}`, f.AgencyUS.ID)
			}
			return req{"POST", "/v1/demands/preview", body}
		}, expect(403, with(map[string]int{"agencyUS": 200, "agencyDE": 200}, 200, legal...))},
		{"GET /v1/demands/{id}", func(*testing.T, string) req { return req{"GET", fmt.Sprintf("/v1/demands/%d", dUS), ""} },
			expect(404, with(map[string]int{"auditor": 200, "agencyUS": 200, "customerEnt": 200}, 200, legal...))},
		{"PATCH /v1/demands/{id}", func(*testing.T, string) req {
			return req{"PATCH", fmt.Sprintf("/v1/demands/%d", dUS), `{"reference":"amended"}`}
		},
			expect(404, with(map[string]int{"auditor": 403, "agencyUS": 200, "customerEnt": 403}, 200, legal...))},
		{"POST /v1/demands/{id}/transitions", func(t *testing.T, c string) req {
			d, _ := f.submitUS(t)
			to := `{"to":"verifying","rationale":"check the requester"}`
			if c == "agencyUS" || c == "agencyDE" {
				to = `{"to":"closed","withdrawn":true,"rationale":"withdrawn"}`
			}
			return req{"POST", fmt.Sprintf("/v1/demands/%d/transitions", d.ID), to}
		}, expect(404, with(map[string]int{"auditor": 403, "agencyUS": 200, "customerEnt": 403}, 200, legal...))},
		{"GET /v1/demands/{id}/assessment", func(*testing.T, string) req { return req{"GET", fmt.Sprintf("/v1/demands/%d/assessment", dUS), ""} },
			expect(404, with(map[string]int{"auditor": 200, "agencyUS": 403, "customerEnt": 403}, 200, legal...))},
		{"GET /v1/demands/{id}/deadlines", func(*testing.T, string) req { return req{"GET", fmt.Sprintf("/v1/demands/%d/deadlines", dUS), ""} },
			expect(404, with(map[string]int{"auditor": 200, "agencyUS": 403, "customerEnt": 403}, 200, legal...))},
		{"GET /v1/demands/{id}/callbacks", func(*testing.T, string) req { return req{"GET", fmt.Sprintf("/v1/demands/%d/callbacks", dUS), ""} },
			expect(404, with(map[string]int{"auditor": 200, "agencyUS": 403, "customerEnt": 403}, 200, legal...))},
		// An emergency's notice is held back: its customer does not see it.
		{"POST /v1/demands/{id}/callbacks", func(t *testing.T, _ string) req {
			in := storetest.Warrant("anna@beispiel.example")
			in.Instrument, in.IssuedBy, in.Emergency = "us_emergency", "other", &writ.Emergency{Justification: "a threat to life"}
			d, _, err := f.Store.CreateDemand(context.Background(), f.AgencyUserUS, in, "")
			if err != nil {
				t.Fatal(err)
			}
			return req{"POST", fmt.Sprintf("/v1/demands/%d/callbacks", d.ID), `{"number":"+1 555 0100","outcome":"confirmed"}`}
		}, expect(404, with(map[string]int{"auditor": 403, "agencyUS": 403}, 201, legal...))},
		// An order that ended three weeks ago: the gag holds until the
		// legal team confirms no extension was served.
		{"POST /v1/demands/{id}/nondisclosure-review", func(t *testing.T, _ string) req {
			in := storetest.Warrant("anna@beispiel.example")
			in.Nondisclosure = &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)", Until: "2026-11-01"}
			d, _, err := f.Store.CreateDemand(context.Background(), f.AgencyUserUS, in, "")
			if err != nil {
				t.Fatal(err)
			}
			return req{"POST", fmt.Sprintf("/v1/demands/%d/nondisclosure-review", d.ID), `{"checked":"the docket shows no extension"}`}
		}, expect(404, with(map[string]int{"auditor": 403, "agencyUS": 403}, 200, legal...))},
		{"GET /v1/demands/{id}/events", func(*testing.T, string) req { return req{"GET", fmt.Sprintf("/v1/demands/%d/events", dUS), ""} },
			expect(404, with(map[string]int{"auditor": 200, "agencyUS": 403, "customerEnt": 403}, 200, legal...))},
		{"GET /v1/demands/{id}/documents", func(*testing.T, string) req { return req{"GET", fmt.Sprintf("/v1/demands/%d/documents", dUS), ""} },
			expect(404, with(map[string]int{"auditor": 200, "agencyUS": 200, "customerEnt": 200}, 200, legal...))},
		{"POST /v1/demands/{id}/documents", func(_ *testing.T, c string) req {
			return req{"POST", fmt.Sprintf("/v1/demands/%d/documents?name=%s.pdf", dUS, c), "%PDF-1.7 from " + c}
		}, expect(404, with(map[string]int{"auditor": 403, "agencyUS": 201, "customerEnt": 201}, 201, legal...))},
		// Each side reads and writes its own thread; the other tenant and
		// the other agency do not learn the demand exists.
		{"GET /v1/demands/{id}/messages/{thread}", func(*testing.T, string) req {
			return req{"GET", fmt.Sprintf("/v1/demands/%d/messages/agency", dUS), ""}
		}, expect(404, with(map[string]int{"auditor": 200, "agencyUS": 200, "customerEnt": 403}, 200, legal...))},
		{"GET /v1/demands/{id}/messages/{thread}", func(*testing.T, string) req {
			return req{"GET", fmt.Sprintf("/v1/demands/%d/messages/customer", dUS), ""}
		}, expect(404, with(map[string]int{"auditor": 200, "agencyUS": 403, "customerEnt": 200}, 200, legal...))},
		{"POST /v1/demands/{id}/messages/{thread}", func(_ *testing.T, c string) req {
			return req{"POST", fmt.Sprintf("/v1/demands/%d/messages/agency", dUS), `{"body":"from ` + c + `"}`}
		}, expect(404, with(map[string]int{"auditor": 403, "agencyUS": 201, "customerEnt": 403}, 201, legal...))},
		{"POST /v1/demands/{id}/messages/{thread}", func(_ *testing.T, c string) req {
			return req{"POST", fmt.Sprintf("/v1/demands/%d/messages/customer", dUS), `{"body":"from ` + c + `"}`}
		}, expect(404, with(map[string]int{"auditor": 403, "agencyUS": 403, "customerEnt": 201}, 201, legal...))},
		// The agency's warrant is for the legal team and the agency only.
		{"GET /v1/demands/{id}/documents/{sha256}", func(*testing.T, string) req {
			return req{"GET", fmt.Sprintf("/v1/demands/%d/documents/%s", dUS, f.docSHA), ""}
		}, expect(404, with(map[string]int{"auditor": 200, "agencyUS": 200}, 200, legal...))},
		{"PUT /v1/demands/{id}/documents/{sha256}/audience", func(*testing.T, string) req {
			return req{"PUT", fmt.Sprintf("/v1/demands/%d/documents/%s/audience", dUS, f.docSHA), `{"audience":"agency"}`}
		}, expect(404, with(map[string]int{"auditor": 403, "agencyUS": 403, "customerEnt": 403}, 200, legal...))},
		{"POST /v1/demands/{id}/notice/deliveries", func(t *testing.T, _ string) req {
			d, _ := f.submitUS(t)
			return req{"POST", fmt.Sprintf("/v1/demands/%d/notice/deliveries", d.ID), `{"method":"registered_letter","evidence":"RR 1 US"}`}
		}, expect(404, with(map[string]int{"auditor": 403, "agencyUS": 403, "customerEnt": 403}, 201, legal...))},
		{"POST /v1/demands/{id}/notice/retry", func(t *testing.T, _ string) req {
			d, _ := f.submitUS(t)
			return req{"POST", fmt.Sprintf("/v1/demands/%d/notice/retry", d.ID), ""}
		}, expect(404, with(map[string]int{"auditor": 403, "agencyUS": 403, "customerEnt": 403}, 200, legal...))},
		{"GET /v1/demands/{id}/notice", func(*testing.T, string) req { return req{"GET", fmt.Sprintf("/v1/demands/%d/notice", dUS), ""} },
			expect(404, with(map[string]int{"auditor": 200, "agencyUS": 403, "customerEnt": 403}, 200, legal...))},
		{"GET /v1/demands/{id}/responses", func(*testing.T, string) req { return req{"GET", fmt.Sprintf("/v1/demands/%d/responses", dUS), ""} },
			expect(404, with(map[string]int{"auditor": 200, "agencyUS": 403, "customerEnt": 200}, 200, legal...))},
		{"POST /v1/demands/{id}/responses", func(*testing.T, string) req {
			return req{"POST", fmt.Sprintf("/v1/demands/%d/responses", dUS), `{"kind":"will_answer_agency"}`}
		}, expect(404, with(map[string]int{"auditor": 403, "agencyUS": 403, "customerEnt": 201}, 403, legal...))},
		{"POST /v1/demands/{id}/responses/{response}/decision", func(t *testing.T, _ string) req {
			d, _ := f.submitUS(t)
			obj, err := f.Store.Respond(context.Background(), f.CustomerUserEnterprise, d.ID, writ.CustomerResponseInput{Kind: writ.ResponseObject, Grounds: "overbroad"})
			if err != nil {
				t.Fatal(err)
			}
			return req{"POST", fmt.Sprintf("/v1/demands/%d/responses/%d/decision", d.ID, obj.ID), `{"decision":"upheld","rationale":"it is overbroad"}`}
		}, expect(404, with(map[string]int{"auditor": 403, "agencyUS": 403, "customerEnt": 403}, 200, legal...))},
		{"GET /v1/demands/{id}/authority-notifications", func(*testing.T, string) req {
			return req{"GET", fmt.Sprintf("/v1/demands/%d/authority-notifications", dUS), ""}
		}, expect(404, with(map[string]int{"auditor": 200, "agencyUS": 403, "customerEnt": 403}, 200, legal...))},
		{"GET /v1/demands/{id}/jobs", func(*testing.T, string) req { return req{"GET", fmt.Sprintf("/v1/demands/%d/jobs", dUS), ""} },
			expect(404, with(map[string]int{"auditor": 200, "agencyUS": 403, "customerEnt": 403}, 200, legal...))},
		{"GET /v1/demands/{id}/reasons", func(*testing.T, string) req { return req{"GET", fmt.Sprintf("/v1/demands/%d/reasons", dUS), ""} },
			expect(404, with(map[string]int{"auditor": 200, "agencyUS": 200, "customerEnt": 403}, 200, legal...))},
		// A fresh approved emergency for every caller: only the legal team
		// makes a package available.
		{"POST /v1/demands/{id}/production", func(t *testing.T, _ string) req {
			d := f.ApprovedEmergency(t)
			pkg := `{"scope":{"accounts":["joe@mail.example"],"categories":["subscriber"],"date_range":null},"rationale":"produced"}`
			return req{"POST", fmt.Sprintf("/v1/demands/%d/production", d.ID), packageBody(t, pkg, "joe.csv", "joe,+1 555 0111\n")}
		}, expect(404, with(map[string]int{"auditor": 403, "agencyUS": 403}, 201, legal...))},
		// The customer is told only after the emergency: it sees neither the
		// demand nor its production.
		{"GET /v1/demands/{id}/production", func(t *testing.T, _ string) req {
			d, _ := f.produced(t)
			return req{"GET", fmt.Sprintf("/v1/demands/%d/production", d.ID), ""}
		}, expect(404, with(map[string]int{"auditor": 200, "agencyUS": 200}, 200, legal...))},
		{"GET /v1/demands/{id}/production/files/{sha256}", func(t *testing.T, _ string) req {
			d, sha := f.produced(t)
			return req{"GET", fmt.Sprintf("/v1/demands/%d/production/files/%s", d.ID, sha), ""}
		}, expect(404, with(map[string]int{"auditor": 403, "agencyUS": 200}, 200, legal...))},
		{"GET /v1/demands/{id}/production/certificate", func(t *testing.T, _ string) req {
			d, _ := f.produced(t)
			return req{"GET", fmt.Sprintf("/v1/demands/%d/production/certificate", d.ID), ""}
		}, expect(404, with(map[string]int{"auditor": 200, "agencyUS": 200}, 200, legal...))},
		{"GET /v1/demands/{id}/production/certificate.pdf", func(t *testing.T, _ string) req {
			d, _ := f.produced(t)
			return req{"GET", fmt.Sprintf("/v1/demands/%d/production/certificate.pdf", d.ID), ""}
		}, expect(404, with(map[string]int{"auditor": 200, "agencyUS": 200}, 200, legal...))},
		// A fresh package waiting for its certificate for every caller:
		// only an approver signs, as custodian, with a code of their
		// authenticator app.
		{"POST /v1/demands/{id}/production/certificate/signature", func(t *testing.T, _ string) req {
			d := f.ApprovedEmergency(t)
			if _, err := f.Store.Produce(context.Background(), f.Reviewer, d.ID, storetest.SubscriberPackage("joe,+1 555 0111\n")); err != nil {
				t.Fatal(err)
			}
			f.Clock.Advance(30 * time.Second)
			return req{"POST", fmt.Sprintf("/v1/demands/%d/production/certificate/signature", d.ID), f.signature(t)}
		}, expect(404, with(map[string]int{"auditor": 403, "agencyUS": 403, "approver": 200}, 403, "admin", "reviewer"))},
		{"GET /v1/notices", func(*testing.T, string) req { return req{"GET", "/v1/notices?state=delayed", ""} },
			expect(403, with(map[string]int{"auditor": 200}, 200, legal...))},
		{"PUT /v1/customers/{id}/notice-channels", func(*testing.T, string) req {
			return req{"PUT", fmt.Sprintf("/v1/customers/%d/notice-channels", f.Enterprise.ID), `{"notice_email":"notices@beispiel.example"}`}
		}, expect(404, map[string]int{"admin": 200, "reviewer": 403, "approver": 403, "auditor": 403, "customerEnt": 403})},
		{"PUT /v1/customers/{id}/key-custody", func(*testing.T, string) req {
			return req{"PUT", fmt.Sprintf("/v1/customers/%d/key-custody", f.Enterprise.ID), `{"key_custody":"customer_managed"}`}
		}, expect(403, map[string]int{"admin": 200})},
		{"PUT /v1/customers/{id}/data-locations", func(*testing.T, string) req {
			return req{"PUT", fmt.Sprintf("/v1/customers/%d/data-locations", f.Enterprise.ID), `{"data_locations":[{"region":"eu-central-1","country":"DE"},{"region":"eu-west-3","country":"FR"}]}`}
		}, expect(403, map[string]int{"admin": 200})},
		{"PUT /v1/customers/{id}/language", func(*testing.T, string) req {
			return req{"PUT", fmt.Sprintf("/v1/customers/%d/language", f.Enterprise.ID), `{"language":"fr"}`}
		}, expect(403, map[string]int{"admin": 200})},
		{"GET /v1/log/key", func(*testing.T, string) req { return req{"GET", "/v1/log/key", ""} }, expect(200, map[string]int{"anonymous": 200})},
		{"POST /v1/log/checkpoints", func(*testing.T, string) req { return req{"POST", "/v1/log/checkpoints", ""} },
			expect(403, with(map[string]int{"auditor": 201}, 201, legal...))},
		{"GET /v1/log/proof/inclusion", func(*testing.T, string) req { return req{"GET", "/v1/log/proof/inclusion?index=0&size=2", ""} },
			expect(403, with(map[string]int{"auditor": 200}, 200, legal...))},
		{"GET /v1/log/proof/consistency", func(*testing.T, string) req { return req{"GET", "/v1/log/proof/consistency?old=1&new=2", ""} },
			expect(403, with(map[string]int{"auditor": 200}, 200, legal...))},
		{"GET /log/checkpoint", func(*testing.T, string) req { return req{"GET", "/log/checkpoint", ""} }, expect(200, map[string]int{"anonymous": 200})},
		{"GET /log/tile/{tile...}", func(*testing.T, string) req { return req{"GET", "/log/tile/0/000.p/2", ""} }, expect(200, map[string]int{"anonymous": 200})},
		{"GET /log/tile/{tile...}", func(*testing.T, string) req { return req{"GET", "/log/tile/entries/000.p/2", ""} },
			expect(403, with(map[string]int{"auditor": 200}, 200, legal...))},
		{"GET /transparency/canary", func(t *testing.T, _ string) req {
			f.publishTransparency(t)
			return req{"GET", "/transparency/canary", ""}
		},
			expect(200, map[string]int{"anonymous": 200})},
		{"GET /transparency/{period}/report.json", func(t *testing.T, _ string) req {
			f.publishTransparency(t)
			return req{"GET", "/transparency/2026-H2/report.json", ""}
		}, expect(200, map[string]int{"anonymous": 200})},
		{"GET /transparency/{period}/report.csv", func(t *testing.T, _ string) req {
			f.publishTransparency(t)
			return req{"GET", "/transparency/2026-H2/report.csv", ""}
		}, expect(200, map[string]int{"anonymous": 200})},
		{"GET /transparency/{period}/report.pdf", func(t *testing.T, _ string) req {
			f.publishTransparency(t)
			return req{"GET", "/transparency/2026-H2/report.pdf", ""}
		}, expect(200, map[string]int{"anonymous": 200})},
		{"GET /transparency/{period}/checkpoint", func(t *testing.T, _ string) req {
			f.publishTransparency(t)
			return req{"GET", "/transparency/2026-H2/checkpoint", ""}
		}, expect(200, map[string]int{"anonymous": 200})},
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.route] = true
		for _, caller := range callers {
			t.Run(c.route+"/"+caller, func(t *testing.T) {
				r := c.build(t, caller)
				var header []string
				switch {
				case strings.HasPrefix(r.body, "--"+testBoundary):
					header = multipartHeader
				case r.method == "PATCH":
					header = f.ifMatch(t, f.dUS.ID)
				}
				status, body := f.do(t, caller, r.method, r.path, []byte(r.body), header...)
				if status != c.want[caller] {
					t.Fatalf("%s %s as %s: status %d, want %d: %s", r.method, r.path, caller, status, c.want[caller], body)
				}
				if status >= 400 {
					var e errorBody
					if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
						t.Fatalf("error body not in the API's format: %s", body)
					}
				}
				// No answer to an agency or customer ever carries the other
				// tenant's demand.
				if caller == "agencyDE" || caller == "customerCons" {
					if bytes.Contains(body, []byte("anna@beispiel.example")) {
						t.Fatalf("%s saw the other tenant's account: %s", caller, body)
					}
				}
				if caller == "agencyUS" || caller == "customerEnt" {
					if bytes.Contains(body, []byte(fmt.Sprintf(`"id":%d,`, dDE))) {
						t.Fatalf("%s saw demand %d: %s", caller, dDE, body)
					}
				}
			})
		}
	}
	for _, rt := range routes() {
		if !covered[rt.method+" "+rt.pattern] {
			t.Errorf("route %s %s has no role test", rt.method, rt.pattern)
		}
	}
}

func TestListsShowOnlyWhatTheCallerMaySee(t *testing.T) {
	f := newAPIFixture(t)
	list := func(caller string) []int64 {
		status, body := f.do(t, caller, "GET", "/v1/demands", nil)
		if status != 200 {
			t.Fatalf("%s: %d %s", caller, status, body)
		}
		var page struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		if err := json.Unmarshal(body, &page); err != nil || page.NextCursor == nil {
			t.Fatalf("%s: not a page: %s", caller, body)
		}
		var ids []int64
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	want := map[string][]int64{
		"admin": {f.dDE.ID, f.dUS.ID}, "auditor": {f.dDE.ID, f.dUS.ID},
		"agencyUS": {f.dUS.ID}, "agencyDE": {f.dDE.ID},
		"customerEnt": {f.dUS.ID}, "customerCons": {f.dDE.ID},
	}
	for caller, ids := range want {
		if got := list(caller); fmt.Sprint(got) != fmt.Sprint(ids) {
			t.Errorf("%s lists %v, want %v", caller, got, ids)
		}
	}
}

// exampleCase is a case of the assessment contract.
const exampleCase = `{"as_of":"2026-11-22T09:00:00Z","demand":{"received_at":"2026-11-20T14:00:00Z","channel":"portal",
"authority":{"name":"Example Police","country":"US","kind":"law_enforcement","verified":true},"instrument":"us_search_warrant",
"issued_by":"judge","data_categories":["content"],"accounts":["user@tenant.example"]},
"customer":{"kind":"enterprise","home_country":"US","data_locations":["US"],"key_custody":"provider_managed","legal_contact":"legal@acme.example"}}`
