package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"writ"
	"writ/httpapi/jsonbody"
	"writ/identity"
	"writ/rules"
	"writ/store"
)

// loadOpenAPI loads and validates an OpenAPI document. kin-openapi decides
// from the document's own "openapi" field whether to validate it as 3.1
// (JSON Schema 2020-12: type arrays, "null" types and so on), so the
// document must say 3.1 for its 3.1 constructs to be accepted.
func loadOpenAPI(t *testing.T, data []byte) (*openapi3.T, error) {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(context.Background(), openapi3.EnableMultiError())
}

// mustLoadOpenAPI returns the served document, loaded and valid.
func mustLoadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := loadOpenAPI(t, OpenAPIDocument())
	if err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	return doc
}

// mutateOpenAPI returns a copy of the served document changed by edit.
func mutateOpenAPI(t *testing.T, edit func(t *testing.T, doc map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	edit(t, doc)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// at walks a decoded JSON document along keys.
func at(t *testing.T, v any, keys ...string) map[string]any {
	t.Helper()
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: not an object", strings.Join(keys, "/"))
		}
		v = m[k]
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: not an object", strings.Join(keys, "/"))
	}
	return m
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := mustLoadOpenAPI(t)
	if doc.OpenAPI != "3.1.0" || !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi = %q, want 3.1.0 validated as 3.1", doc.OpenAPI)
	}
	if doc.Info.Title != "writ API" || doc.Info.Version != "1" {
		t.Errorf("info = %q %q, want writ API 1", doc.Info.Title, doc.Info.Version)
	}

	// The validator must reject broken documents, each for its own fault,
	// or the test above proves nothing.
	broken := []struct {
		name string
		edit func(t *testing.T, doc map[string]any)
		want string // in the error
	}{
		{"response without description", func(t *testing.T, doc map[string]any) {
			delete(at(t, doc, "paths", "/v1/me", "get", "responses", "200"), "description")
		}, "description"},
		{"reference to a missing schema", func(t *testing.T, doc map[string]any) {
			at(t, doc, "paths", "/v1/me", "get", "responses", "200", "content", "application/json")["schema"] =
				map[string]any{"$ref": "#/components/schemas/NoSuchSchema"}
		}, "NoSuchSchema"},
		{"misspelt keyword", func(t *testing.T, doc map[string]any) {
			at(t, doc, "components", "schemas", "Demand")["requird"] = []any{"id"}
		}, "requird"},
		{"undeclared path parameter", func(t *testing.T, doc map[string]any) {
			delete(at(t, doc, "paths", "/v1/demands/{id}"), "parameters")
		}, "path parameters"},
		{"example that breaks its schema", func(t *testing.T, doc map[string]any) {
			at(t, doc, "components", "responses", "NotFound", "content", "application/json")["example"] =
				map[string]any{"error": map[string]any{"code": "ENOSUCHCODE", "message": "x"}}
		}, "example"},
		// The same document read as 3.0 must fail: 3.0 has no type arrays,
		// so passing means the 3.1 rules were applied.
		{"3.1 schemas labelled 3.0", func(t *testing.T, doc map[string]any) {
			doc["openapi"] = "3.0.3"
		}, "array of types"},
	}
	for _, tc := range broken {
		t.Run("rejects "+tc.name, func(t *testing.T) {
			_, err := loadOpenAPI(t, mutateOpenAPI(t, tc.edit))
			if err == nil {
				t.Fatal("a broken document passed validation")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("rejected, but not for %q: %v", tc.want, err)
			}
		})
	}
}

// handlerName is the method name of a route's handler, e.g. "listDemands".
func handlerName(rt route) string {
	name := runtime.FuncForPC(reflect.ValueOf(rt.handler).Pointer()).Name()
	name = strings.TrimSuffix(name, "-fm")
	return name[strings.LastIndex(name, ".")+1:]
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := mustLoadOpenAPI(t)

	type operation struct{ method, path string }
	inDoc := map[operation]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			inDoc[operation{method, path}] = op
		}
	}
	inRoutes := map[operation]route{}
	for _, rt := range routes() {
		// A trailing wildcard ({tile...}) is one path parameter in OpenAPI.
		inRoutes[operation{rt.method, strings.ReplaceAll(rt.pattern, "...}", "}")}] = rt
	}

	var missing, extra []string
	for op := range inRoutes {
		if _, ok := inDoc[op]; !ok {
			missing = append(missing, op.method+" "+op.path)
		}
	}
	for op := range inDoc {
		if _, ok := inRoutes[op]; !ok {
			extra = append(extra, op.method+" "+op.path)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes() has operations openapi.json lacks:\n\t%s", strings.Join(missing, "\n\t"))
	}
	if len(extra) > 0 {
		t.Errorf("openapi.json has operations routes() lacks:\n\t%s", strings.Join(extra, "\n\t"))
	}

	for key, rt := range inRoutes {
		op, ok := inDoc[key]
		if !ok {
			continue
		}
		name := key.method + " " + key.path
		// operationId names the handler, so an operation documented under
		// the right path but describing another handler is caught.
		if want := handlerName(rt); op.OperationID != want {
			t.Errorf("%s: operationId %q, want the handler's name %q", name, op.OperationID, want)
		}
		// Exactly the public routes opt out of the global bearer requirement.
		public := op.Security != nil && len(*op.Security) == 0
		if public != rt.public {
			t.Errorf("%s: documented as public=%v, but the route is public=%v", name, public, rt.public)
		}
		if !rt.public && op.Responses.Status(http.StatusUnauthorized) == nil {
			t.Errorf("%s: needs a token but documents no 401", name)
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	// The route needs no store: it is public and serves the embedded file.
	srv := New(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /v1/openapi.json: status %d, want 200", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var served struct {
		OpenAPI string `json:"openapi"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &served); err != nil {
		t.Fatalf("the served document is not JSON: %v", err)
	}
	if served.OpenAPI != "3.1.0" {
		t.Errorf("served openapi = %q, want 3.1.0", served.OpenAPI)
	}
	if rec.Body.String() != string(OpenAPIDocument()) {
		t.Error("the served document differs from OpenAPIDocument()")
	}
}

// jsonNames lists the JSON keys encoding/json uses for a struct type.
func jsonNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// schemaNames lists the properties of a component schema.
func schemaNames(t *testing.T, doc *openapi3.T, name string) []string {
	t.Helper()
	ref, ok := doc.Components.Schemas[name]
	if !ok {
		t.Fatalf("no schema %s", name)
	}
	var names []string
	for p := range ref.Value.Properties {
		names = append(names, p)
	}
	sort.Strings(names)
	return names
}

// TestOpenAPIRequestBodies holds each request schema to the struct the
// handler decodes into: the decoders refuse unknown fields, so a field the
// document lacks or invents is a request the document gets wrong.
func TestOpenAPIRequestBodies(t *testing.T) {
	doc := mustLoadOpenAPI(t)
	for name, v := range map[string]any{
		"DemandInput":         jsonbody.DemandBody{},
		"DateRange":           writ.DateRange{},
		"NondisclosureInput":  writ.Nondisclosure{},
		"Emergency":           writ.Emergency{},
		"DemandPatch":         patchBody{},
		"TransitionInput":     writ.TransitionInput{},
		"ChallengeInput":      writ.ChallengeInput{},
		"DisclosureInput":     writ.DisclosureInput{},
		"AgencyInput":         store.AgencyInput{},
		"CustomerInput":       store.CustomerInput{},
		"DataLocation":        writ.DataLocation{},
		"UserInput":           identity.UserInput{},
		"TokenInput":          writ.TokenInput{},
		"ReasonInput":         reasonBody{},
		"CallbackInput":       writ.CallbackInput{},
		"DeliveryInput":       deliveryBody{},
		"NondisclosureReview": writ.NondisclosureReview{},
		"AudienceInput":       audienceBody{},
		"ProductionPackage":   productionBody{},
		"ProductionScope":     writ.ProductionScope{},
		"Case":                rules.Case{},
		"CaseDemand":          rules.Demand{},
		"CaseAuthority":       rules.Authority{},
		"CaseNondisclosure":   rules.Nondisclosure{},
		"CaseEmergency":       rules.Emergency{},
		"CaseCustomer":        rules.Customer{},
	} {
		if got, want := schemaNames(t, doc, name), jsonNames(reflect.TypeOf(v)); !slices.Equal(got, want) {
			t.Errorf("schema %s has properties\n\t%v\nbut %T decodes\n\t%v", name, got, v, want)
		}
	}
}

// TestOpenAPIResponses encodes values of the types the handlers answer with
// and checks each against its schema: every key the schema names is there,
// no key is undocumented, and the values fit.
func TestOpenAPIResponses(t *testing.T) {
	doc := mustLoadOpenAPI(t)
	now := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	id := int64(7)
	yes := true
	years := 5.0
	demand := writ.Demand{
		ID: 1, GroupID: 1, Linked: []int64{2}, Reference: "R-1", AgencyID: 3, CustomerID: 4, Channel: "api",
		ReceivedAt: now, Requester: "a@police.example", RequesterVerified: true, Instrument: "us_2703d_order",
		Citation: "18 U.S.C. 2703(d)", IssuedBy: "judge", ValidatedBy: "", OffenceMaxYears: &years,
		OffenceInIssuingState: &yes, SubjectResidence: "DE", SubjectLocation: "FR", SubjectUSPerson: &yes,
		DataLocationsSought: []string{"DE"}, NoticePermitted: true, DataCategories: []string{"traffic"},
		Accounts: []string{"alice@example.com"}, DateRange: &writ.DateRange{From: "2026-01-01", To: "2026-02-01"},
		Due: &now, Nondisclosure: &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)"},
		Emergency: &writ.Emergency{Justification: "a threat to life"}, State: writ.StateClosed,
		Outcome: writ.OutcomeWithdrawn, AssigneeID: &id, ReviewerID: &id, Route: "respond", NextDeadline: &now,
		Flags: []string{"CROSS_BORDER"}, Version: 3, UpdatedAt: now, NextDeadlineCode: "RESPOND", NoticeState: writ.NoticeReviewDue,
		ResponseTarget: &now, Callback: &writ.Callback{Number: "+1 555 0100", Outcome: writ.CallbackConfirmed, By: "Rhea", At: now},
	}
	unheld := demand
	unheld.CustomerID, unheld.Callback, unheld.ResponseTarget, unheld.NoticeState = 0, nil, nil, ""
	token := writ.Token{ID: 3, UserID: 9, Label: "laptop", CreatedAt: now, CreatedBy: "Ada", ExpiresAt: now.AddDate(0, 0, 90)}
	revoked := token
	revoked.RevokedAt, revoked.RevokedBy, revoked.RevokeReason = &now, "Ada", "password changed"
	notice := writ.Notice{DemandID: 1, Reference: "R-1", CustomerID: 4, Timing: "delayed", State: "delivered", Until: "2027-01-01",
		GivenAt: &now, GivenVia: "registered_letter", ReviewAt: &now, ReleasedUntil: "2027-01-01", Warnings: []writ.NoticeWarning{},
		Deliveries: []writ.NoticeDelivery{{Channel: "recorded", Recipient: "registered_letter", State: "delivered", Attempts: 1, SentAt: &now,
			UpdatedAt: now, Method: "registered_letter", Evidence: "RR 1 US", RecordedBy: "Rhea"}}, UpdatedAt: now}
	agency := writ.Agency{ID: 3, Name: "Example Police", Country: "US", Kind: "law_enforcement",
		Domains: []string{"police.example"}, Verified: true, Verification: "called", VerifiedAt: &now, CreatedAt: now}
	customer := writ.Customer{ID: 4, Name: "Example GmbH", Kind: "enterprise", HomeCountry: "DE", HomeSubdivision: "DE-BY", USPerson: &yes,
		LegalContact: "legal@example.com", KeyCustody: "customer_held", KeyCustodyConfirmed: true,
		DataLocations: []writ.DataLocation{{Region: "eu-central", Country: "DE"}}, Accounts: []string{"alice@example.com"},
		CreatedAt: now}
	doc1 := writ.Document{SHA256: strings.Repeat("ab", 32), Name: "warrant.pdf", ContentType: "application/pdf",
		Size: 10, Audience: writ.AudienceAgency, UploadedBy: "Example Police", UploadedAt: now}
	assessment := rules.Assessment{
		Rulebook: "v2", Deficiencies: []rules.Deficiency{{Code: "CATEGORY_NOT_PERMITTED", Category: "content", Message: "m"}},
		PermittedCategories: []string{"subscriber"}, Route: "reject",
		CustomerFirst:     rules.CustomerFirst{Applies: true, Exception: "customer_complicit"},
		Notice:            rules.Notice{Timing: "before_disclosure", SendAt: &now},
		Conflicts:         []rules.Conflict{{Code: "GDPR_ART48", Message: "m"}},
		Deadlines:         []rules.Deadline{{Code: "EARLIEST_DISCLOSURE", Due: now}},
		NotifyAuthorities: []rules.NotifyAuthority{{Code: "DPA", Country: "DE", Authority: "DE-BY"}},
		Flags:             []string{"CROSS_BORDER"},
	}

	for _, tc := range []struct {
		schema string
		value  any
	}{
		{"Demand", demand},
		{"Demand", unheld},
		{"DemandPage", writ.Page[writ.Demand]{Items: []writ.Demand{demand}, NextCursor: "aTox"}},
		{"Agency", agency},
		{"AgencyPage", writ.Page[writ.Agency]{Items: []writ.Agency{agency}}},
		{"Customer", customer},
		{"CustomerPage", writ.Page[writ.Customer]{Items: []writ.Customer{customer}}},
		{"User", writ.User{ID: 9, Name: "Ada", Email: "ada@example.com", Role: writ.RoleAgency, AgencyID: &id, CreatedAt: now}},
		{"User", writ.User{ID: 9, Name: "Ada", Email: "ada@example.com", Role: writ.RoleAdmin, CreatedAt: now, DeactivatedAt: &now}},
		{"Event", writ.Event{ID: 1, DemandID: &id, Actor: "writ", Kind: "demand.received", Data: json.RawMessage(`{"a":1}`), At: now}},
		{"EventPage", writ.Page[writ.Event]{Items: []writ.Event{}}},
		{"Document", doc1},
		{"DocumentPage", writ.Page[writ.Document]{Items: []writ.Document{doc1}}},
		{"Assessment", assessment},
		{"Assessment", rules.Assessment{Rulebook: "v2", Route: "respond", Notice: rules.Notice{Timing: "none"}}},
		{"Me", meResponse{UserID: 9, Name: "Ada", Role: writ.RoleAdmin}},
		{"Health", healthResponse{Status: "ok", Rulebook: "v2"}},
		{"Token", token},
		{"Token", revoked},
		{"NewToken", writ.NewToken{Token: token, Secret: "writ_" + strings.Repeat("0", 64)}},
		{"TokenPage", writ.Page[writ.Token]{Items: []writ.Token{token, revoked}}},
		{"TokenRequest", writ.TokenRequest{ID: 1, UserID: 9, Label: "robot", ExpiresInDays: 90, RequestedBy: "Ada", RequestedAt: now, State: "issued",
			ConfirmedBy: "Adele", ConfirmedAt: &now, TokenID: &id}},
		{"TokenRequestPage", writ.Page[writ.TokenRequest]{Items: []writ.TokenRequest{{ID: 1, UserID: 9, ExpiresInDays: 90, RequestedBy: "Ada", RequestedAt: now, State: "pending"}}}},
		{"Callback", writ.Callback{ID: 2, Number: "+1 555 0100", Outcome: writ.CallbackNoAnswer, Notes: "voicemail", By: "Rhea", At: now}},
		{"CallbackPage", writ.Page[writ.Callback]{Items: []writ.Callback{}}},
		{"Notice", notice},
		{"DeadlineEntry", writ.DeadlineEntry{DemandID: 1, Reference: "R-1", State: writ.StateInReview, Code: "EARLIEST_DISCLOSURE", Due: now, Status: writ.DeadlineNotBefore}},
		{"DeadlinePage", writ.Page[writ.DeadlineEntry]{Items: []writ.DeadlineEntry{}}},
		{"Production", writ.Production{DemandID: 1, Scope: writ.ProductionScope{Accounts: []string{"a@example.com"}, Categories: []string{"content"},
			DateRange: &writ.DateRange{From: "2026-01-01", To: "2026-02-01"}}, ExpiresAt: now, DownloadLimit: 5, Downloads: 1, MadeBy: "Rhea", MadeAt: now,
			Files: []writ.ProductionFile{{Name: "a.mbox", SHA256: strings.Repeat("ab", 32), Size: 3, Entry: writ.LogEntry{Index: 4, Leaf: "{}", Data: "{}",
				Inclusion: &writ.InclusionProof{Index: 4, TreeSize: 5, LeafHash: "AA==", RootHash: "AA==", Proof: []string{"AA=="}}}}}}},
		{"Reasons", writ.Reasons{State: writ.StateRejected, Deficiencies: []writ.ReasonDetail{{Code: "CATEGORY_NOT_PERMITTED", Message: "m"}}}},
		{"Reasons", writ.Reasons{State: writ.StateRedirected, Deficiencies: []writ.ReasonDetail{}, RedirectTo: &writ.RedirectTo{Customer: "c", LegalContact: "l"}}},
		{"Preview", previewBody{Deficiencies: []writ.ReasonDetail{{Code: "CATEGORY_NOT_PERMITTED", Message: "m"}}}},
		{"Error", errorBody{errorDetail{Code: writ.EGONE, Message: "expired"}}},
		{"Alerts", writ.Alerts{Emergencies: []writ.Demand{demand}, Overdue: 2, Undeliverable: 1, ReviewsDue: 1}},
		{"Error", errorBody{errorDetail{Code: writ.EINVALID, Message: "required", Field: "instrument"}}},
		{"Error", errorBody{errorDetail{Code: writ.EINTERNAL, Message: "internal error"}}},
	} {
		t.Run(tc.schema, func(t *testing.T) {
			checkSchema(t, doc, tc.schema, tc.value)
		})
	}

	// The schemas must reject what they do not describe, or the checks
	// above prove nothing.
	t.Run("rejects an unknown state", func(t *testing.T) {
		bad := demand
		bad.State = "lost"
		if err := visitJSON(t, doc, "Demand", bad); err == nil {
			t.Error("a demand in state lost fits the schema")
		}
	})
	t.Run("rejects a missing key", func(t *testing.T) {
		var v map[string]any
		b, _ := json.Marshal(agency)
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		delete(v, "verified")
		if err := doc.Components.Schemas["Agency"].Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err == nil {
			t.Error("an agency without verified fits the schema")
		}
	})
}

// visitJSON checks the JSON encoding of value against a component schema.
func visitJSON(t *testing.T, doc *openapi3.T, schema string, value any) error {
	t.Helper()
	b, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return doc.Components.Schemas[schema].Value.VisitJSON(v, openapi3.EnableJSONSchema2020())
}

// checkSchema holds a value the API encodes to its schema in the
// document: the same keys, and a value the schema accepts.
func checkSchema(t *testing.T, doc *openapi3.T, schema string, value any) {
	t.Helper()
	b, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if props := schemaNames(t, doc, schema); !slices.Equal(keys, props) {
		t.Errorf("%T encodes keys\n\t%v\nbut schema %s has\n\t%v", value, keys, schema, props)
	}
	if err := doc.Components.Schemas[schema].Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		t.Errorf("%s does not fit its schema: %v\n%s", schema, err, b)
	}
}
