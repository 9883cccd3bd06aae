package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"writ"
	"writ/store/storetest"
)

// PATCH narrows a demand's categories and never widens them: a category the
// demand does not ask for is refused naming the field, an agency may not
// narrow, and the narrowing needs the demand's ETag like every change.
func TestPatchOnlyNarrowsCategories(t *testing.T) {
	for _, db := range []struct {
		name string
		open storetest.Opener
	}{{"SQLite", storetest.SQLite}, {"Postgres", storetest.Postgres}} {
		t.Run(db.name, func(t *testing.T) {
			f := newAPIFixtureOn(t, db.open)
			in := storetest.Warrant("joe@mail.example")
			in.DataCategories = []string{"subscriber", "content"}
			d, _, err := f.Store.CreateDemand(context.Background(), f.AgencyUserUS, in, "")
			if err != nil {
				t.Fatal(err)
			}
			path := fmt.Sprintf("/v1/demands/%d", d.ID)
			status, out := f.do(t, "reviewer", "PATCH", path, []byte(`{"data_categories":["subscriber","traffic"]}`), f.ifMatch(t, d.ID)...)
			wantError(t, status, out, 400, writ.EINVALID, "data_categories[1]")
			status, out = f.do(t, "agencyUS", "PATCH", path, []byte(`{"data_categories":["subscriber"]}`), f.ifMatch(t, d.ID)...)
			wantError(t, status, out, 403, writ.EFORBIDDEN, "")
			status, out = f.do(t, "reviewer", "PATCH", path, []byte(`{"data_categories":["subscriber"]}`))
			wantError(t, status, out, 428, writ.EIFMATCH, "If-Match")
			status, out = f.do(t, "reviewer", "PATCH", path, []byte(`{"data_categories":["subscriber"]}`), f.ifMatch(t, d.ID)...)
			if status != 200 {
				t.Fatalf("narrowing: %d %s", status, out)
			}
			var got writ.Demand
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.DataCategories, []string{"subscriber"}) {
				t.Fatalf("narrowed categories %v, want [subscriber]", got.DataCategories)
			}
			status, out = f.do(t, "reviewer", "PATCH", path, []byte(`{"data_categories":["subscriber","content"]}`), f.ifMatch(t, d.ID)...)
			wantError(t, status, out, 400, writ.EINVALID, "data_categories[1]")
		})
	}
}
