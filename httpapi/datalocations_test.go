package httpapi

import (
	"fmt"
	"strings"
	"testing"

	"writ"
)

// PUT data-locations replaces a customer's regions, naming the location at
// fault, and is the admins' alone.
func TestSetDataLocations(t *testing.T) {
	f := newAPIFixture(t)
	path := fmt.Sprintf("/v1/customers/%d/data-locations", f.Enterprise.ID)
	status, out := f.do(t, "admin", "PUT", path, []byte(`{"data_locations":[{"region":"eu-central-1","country":"DE"},{"region":"mars-1","country":"MA1"}]}`))
	wantError(t, status, out, 400, writ.EINVALID, "data_locations[1].country")
	status, out = f.do(t, "admin", "PUT", path, []byte(`{"data_locations":[]}`))
	wantError(t, status, out, 400, writ.EINVALID, "data_locations")
	status, out = f.do(t, "customerEnt", "PUT", path, []byte(`{"data_locations":[{"region":"eu-central-1","country":"DE"}]}`))
	wantError(t, status, out, 403, writ.EFORBIDDEN, "")
	status, out = f.do(t, "admin", "PUT", "/v1/customers/999999/data-locations", []byte(`{"data_locations":[{"region":"eu-central-1","country":"DE"}]}`))
	wantError(t, status, out, 404, writ.ENOTFOUND, "")
	status, out = f.do(t, "admin", "PUT", path, []byte(`{"data_locations":[{"region":"eu-central-1","country":"DE"},{"region":"eu-north-1","country":"SE"}]}`))
	if status != 200 || !strings.Contains(string(out), `"data_locations":[{"region":"eu-central-1","country":"DE"},{"region":"eu-north-1","country":"SE"}]`) {
		t.Fatalf("replacing the locations: %d %s", status, out)
	}
}
