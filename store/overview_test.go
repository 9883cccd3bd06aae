package store_test

import (
	"context"
	"testing"
	"time"

	"writ/store"
	"writ/store/storetest"
)

func TestOverviewOfImportedAndWaitingDemandsSQLite(t *testing.T) {
	testOverviewOfImportedAndWaitingDemands(t, &opener{})
}

func TestOverviewOfImportedAndWaitingDemandsPostgres(t *testing.T) {
	testOverviewOfImportedAndWaitingDemands(t, &opener{postgres: true})
}

// testOverviewOfImportedAndWaitingDemands: the overview of a demand that
// came in through the bulk import (its receipt is "demand.imported") and of
// one whose receipt still waits for its log entry answers without an
// error, with no inclusion proof until there is one to show.
func testOverviewOfImportedAndWaitingDemands(t *testing.T, o *opener) {
	f := storetest.NewFixture(t, o.open)
	ctx := context.Background()
	received := storetest.Start.Add(-30 * 24 * time.Hour)
	in := storetest.Warrant("joe@mail.example")
	in.AgencyID, in.Channel, in.ReceivedAt = f.AgencyUS.ID, "email", &received
	ids, err := f.Store.ImportDemands(ctx, f.Admin, []store.ImportedDemand{{Input: in, RequesterVerified: true}})
	if err != nil {
		t.Fatal(err)
	}
	ov, err := f.Store.DemandOverview(ctx, f.Reviewer, ids[0])
	if err != nil {
		t.Fatalf("overview of an imported demand: %v", err)
	}
	if ov.Authority != f.AgencyUS.Name || ov.AuthorityCountry != f.AgencyUS.Country {
		t.Fatalf("overview names %q (%s), want %q (%s)", ov.Authority, ov.AuthorityCountry, f.AgencyUS.Name, f.AgencyUS.Country)
	}

	d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, storetest.Warrant("joe@mail.example"), "")
	if err != nil {
		t.Fatal(err)
	}
	// As if the server had stopped between the commit and the append.
	db := o.writable(t)
	if _, err := db.ExecContext(ctx, `UPDATE events SET log_index = NULL WHERE demand_id = $1 AND kind = 'demand.received'`, d.ID); err != nil {
		t.Fatal(err)
	}
	ov, err = f.Store.DemandOverview(ctx, f.Reviewer, d.ID)
	if err != nil {
		t.Fatalf("overview of a demand whose receipt waits for its entry: %v", err)
	}
	if ov.Received != nil {
		t.Fatalf("a receipt without an entry has a proof: %+v", ov.Received)
	}
}
