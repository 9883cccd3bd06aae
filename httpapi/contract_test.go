package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// The contract is the OpenAPI document: every response the tests get from
// the API, whoever asks and whatever the outcome, must be one the document
// describes — its status listed for the operation, its body fitting that
// status's schema, its headers those the document names. A request the
// API accepted must fit the document too; requests it refused are left
// alone, since many are wrong on purpose.

func init() {
	for _, binary := range []string{"application/pdf", "application/octet-stream", "image/png", "image/jpeg", "image/tiff"} {
		openapi3filter.RegisterBodyDecoder(binary, openapi3filter.FileBodyDecoder)
	}
}

// checkErrorBody checks that body is the API's error object.
func checkErrorBody(t *testing.T, body []byte) error {
	t.Helper()
	doc, err := loadOpenAPI(t, OpenAPIDocument())
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	return doc.Components.Schemas["Error"].Value.VisitJSON(v, openapi3.EnableJSONSchema2020())
}

var contract struct {
	once   sync.Once
	router routers.Router
	err    error
}

func contractRouter(t *testing.T) routers.Router {
	t.Helper()
	contract.once.Do(func() {
		doc, err := loadOpenAPI(t, OpenAPIDocument())
		if err != nil {
			contract.err = err
			return
		}
		// The document's one server is "/": relative to wherever writ
		// runs. Without servers the router matches on the path alone.
		doc.Servers = nil
		contract.router, contract.err = legacy.NewRouter(doc)
	})
	if contract.err != nil {
		t.Fatalf("openapi.json: %v", contract.err)
	}
	return contract.router
}

// checkContract fails the test when the exchange of req (whose body was
// reqBody) and resp (whose body was body) breaks the OpenAPI document.
func checkContract(t *testing.T, req *http.Request, reqBody []byte, resp *http.Response, body []byte) {
	t.Helper()
	if err := contractError(t, req, reqBody, resp, body); err != nil {
		t.Errorf("%s %s → %d breaks openapi.json: %v\nbody: %.400s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
}

func contractError(t *testing.T, req *http.Request, reqBody []byte, resp *http.Response, body []byte) error {
	t.Helper()
	ctx := context.Background()
	r := req.Clone(ctx)
	r.Body = io.NopCloser(bytes.NewReader(reqBody))
	if tile, ok := strings.CutPrefix(r.URL.Path, "/log/tile/"); ok {
		// A tile's path has slashes, which an OpenAPI path parameter
		// holds escaped; the router matches the path as it is.
		r.URL.Path = "/log/tile/" + url.PathEscape(tile)
	}
	route, params, err := contractRouter(t).FindRoute(r)
	if err != nil && err.Error() == routers.ErrPathNotFound.Error() && resp.StatusCode == http.StatusNotFound {
		// No operation has the path (the route table's test holds the
		// document to the routes): the answer is the API's error.
		return checkErrorBody(t, body)
	}
	if err != nil {
		return err
	}
	if r.Header.Get("Content-Type") == "" && route.Operation.RequestBody != nil && len(reqBody) > 0 {
		// writ takes a body without a Content-Type as the operation's
		// one media type (JSON), or sniffs an upload's.
		content := route.Operation.RequestBody.Value.Content
		r.Header.Set("Content-Type", http.DetectContentType(reqBody))
		if len(content) == 1 {
			for mediaType := range content {
				r.Header.Set("Content-Type", mediaType)
			}
		}
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if resp.StatusCode < 300 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			return err
		}
	}
	return openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
}

// The check fails an answer the document does not describe, and passes
// the failures every operation may meet: a throttled token (429), a full
// disk on a write (507), a database away (503).
func TestContractCatchesDrift(t *testing.T) {
	exchange := func(method, path string, status int, body string) error {
		req, err := http.NewRequest(method, "http://writ.example"+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}}
		return contractError(t, req, nil, resp, []byte(body))
	}
	for _, c := range []struct {
		method, path string
		status       int
		body         string
		ok           bool
	}{
		{"GET", "/v1/me", 200, `{"no":"such field"}`, false},
		{"GET", "/v1/me", 418, `{"error":{"code":"EINTERNAL","message":"internal error"}}`, false},
		{"GET", "/v1/me", 429, `{"error":{"code":"ENOSUCHCODE","message":"slow down"}}`, false},
		{"GET", "/v1/me", 429, `{"error":{"code":"ETOOMANY","message":"slow down"}}`, true},
		{"POST", "/v1/demands", 507, `{"error":{"code":"ESTORAGE","message":"the server's storage is full; nothing was written"}}`, true},
		{"PATCH", "/v1/demands/1", 503, `{"error":{"code":"EUNAVAILABLE","message":"the database is unavailable; try again shortly: connection refused"}}`, true},
		{"GET", "/v1/warrants", 404, `{"error":{"code":"ENOTFOUND","message":"no such route"}}`, true},
	} {
		err := exchange(c.method, c.path, c.status, c.body)
		if (err == nil) != c.ok {
			t.Errorf("%s %s → %d %s: %v, want ok=%v", c.method, c.path, c.status, c.body, err, c.ok)
		}
	}
}
