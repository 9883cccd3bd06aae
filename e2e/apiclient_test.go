//go:build unix

package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"writ/apiclient"
)

// api is the client generated from the OpenAPI document (package
// apiclient) for the server at base, acting with token: the tests' API
// calls go through it, so that the document and the server cannot drift
// apart unnoticed.
func (c *client) api(base, token string) *apiclient.ClientWithResponses {
	api, err := apiclient.NewClientWithResponses(base, apiclient.WithHTTPClient(c.hc),
		apiclient.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	if err != nil {
		panic(err) // only for a base that is no URL
	}
	return api
}

// raw is the generated client without decoding, for tests that check
// an answer's status, headers and body as they came.
func (c *client) raw(base, token string) *apiclient.Client {
	return c.api(base, token).ClientInterface.(*apiclient.Client)
}

// read reads an answer of the generated client in full.
func read(res *http.Response, err error) (reply, error) {
	if err != nil {
		return reply{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		// The status line arrived but the body did not: the server died
		// mid-answer, which is no answer.
		return reply{}, err
	}
	return reply{status: res.StatusCode, header: res.Header, body: b}, nil
}

// jsonBody is the content type of the generated client's JSON bodies.
const jsonBody = "application/json"

// fromAPI is the part of the API's demand the tests check.
func fromAPI(d *apiclient.Demand) demand {
	return demand{ID: d.Id, AgencyID: d.AgencyId, Reference: d.Reference}
}

// submit posts a warrant with the given reference under idempotencyKey.
// An error means no answer arrived.
func (c *client) submit(base, token, idempotencyKey, reference string) (submitResult, error) {
	var params apiclient.CreateDemandParams
	if idempotencyKey != "" {
		params.IdempotencyKey = &idempotencyKey
	}
	r, err := c.api(base, token).CreateDemandWithResponse(context.Background(), &params, apiclient.DemandInput{
		Instrument: "us_search_warrant", IssuedBy: apiclient.DemandInputIssuedByJudge, DataCategories: []apiclient.DataCategory{apiclient.DataCategoryContent},
		Accounts: []string{"jdoe1987@mail.example"}, Reference: &reference,
	})
	if err != nil {
		return submitResult{}, err
	}
	res := submitResult{status: r.StatusCode(), body: r.Body, replayed: r.HTTPResponse.Header.Get("Idempotent-Replayed") == "true"}
	if r.StatusCode() == http.StatusCreated {
		if r.JSON201 == nil {
			return res, fmt.Errorf("201 with a body that is not a demand: %s", short(r.Body))
		}
		res.demand = fromAPI(r.JSON201)
	}
	return res, nil
}

// getDemand reads one demand; a non-200 answer is an error.
func (c *client) getDemand(base, token string, id int64) (demand, error) {
	r, err := c.api(base, token).GetDemandWithResponse(context.Background(), id)
	if err != nil {
		return demand{}, err
	}
	if r.JSON200 == nil {
		return demand{}, fmt.Errorf("GET /v1/demands/%d: %d %s", id, r.StatusCode(), short(r.Body))
	}
	return fromAPI(r.JSON200), nil
}

// listDemands pages through every demand token may see.
func (c *client) listDemands(t *testing.T, base, token string) []demand {
	t.Helper()
	var all []demand
	api := c.api(base, token)
	limit := 500
	params := apiclient.ListDemandsParams{Limit: &limit}
	for page := 0; ; page++ {
		if page > 1000 {
			t.Fatalf("listing demands at %s: over 1000 pages, the cursor does not advance", base)
		}
		r, err := api.ListDemandsWithResponse(context.Background(), &params)
		if err != nil {
			t.Fatalf("GET %s/v1/demands: %v", base, err)
		}
		if r.JSON200 == nil {
			t.Fatalf("GET %s/v1/demands: %d %s", base, r.StatusCode(), short(r.Body))
		}
		for i := range r.JSON200.Items {
			all = append(all, fromAPI(&r.JSON200.Items[i]))
		}
		if r.JSON200.NextCursor == "" {
			return all
		}
		params.Cursor = &r.JSON200.NextCursor
	}
}

// ptr is a pointer to v, for the generated client's optional parameters.
func ptr[T any](v T) *T { return &v }
