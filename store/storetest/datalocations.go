package storetest

import (
	"fmt"
	"strings"
	"testing"

	"writ"
)

// An admin adds and retires a customer's data locations; the customer's
// open demands are assessed again with them, and nobody else may change
// them.
func testDataLocationsChange(t *testing.T, f *Fixture) {
	d := submit(t, f, f.AgencyUserUS, Warrant("anna@beispiel.example"))
	id := f.Enterprise.ID
	for _, a := range []writ.Actor{f.Reviewer, f.Approver, f.Auditor, f.CustomerUserEnterprise, f.AgencyUserUS} {
		_, err := f.Store.SetDataLocations(ctx, a, id, []writ.DataLocation{{Region: "us-east-1", Country: "US"}})
		wantCode(t, err, writ.EFORBIDDEN)
	}
	_, err := f.Store.SetDataLocations(ctx, f.Admin, id, nil)
	wantCode(t, err, writ.EINVALID, "data_locations")
	_, err = f.Store.SetDataLocations(ctx, f.Admin, id, []writ.DataLocation{{Region: "us-east-1", Country: "US"}, {Region: "x", Country: "XX"}})
	wantCode(t, err, writ.EINVALID, "data_locations[1].country")
	_, err = f.Store.SetDataLocations(ctx, f.Admin, id, []writ.DataLocation{{Region: "us-east-1", Country: "US"}, {Region: "us-east-1", Country: "US"}})
	wantCode(t, err, writ.EINVALID, "data_locations[1].region")
	_, err = f.Store.SetDataLocations(ctx, f.Admin, 999999, []writ.DataLocation{{Region: "us-east-1", Country: "US"}})
	wantCode(t, err, writ.ENOTFOUND)

	before, err := f.Store.Assessment(ctx, f.Auditor, d.ID)
	check(t, err)
	// The customer's data moves to the US, where the demand comes from.
	c, err := f.Store.SetDataLocations(ctx, f.Admin, id, []writ.DataLocation{{Region: "us-east-1", Country: "us"}, {Region: "us-west-2", Country: "US"}})
	check(t, err)
	if fmt.Sprint(c.DataLocations) != "[{us-east-1 US} {us-west-2 US}]" {
		t.Fatalf("data locations %v", c.DataLocations)
	}
	d, err = f.Store.Demand(ctx, f.Reviewer, d.ID)
	check(t, err)
	got := wantAssessedAgain(t, f, d)
	if !strings.Contains(string(before), "CROSS_BORDER") || strings.Contains(got, "CROSS_BORDER") {
		t.Fatalf("with its data in the US, a US demand is still flagged cross-border:\n%s", got)
	}
}
