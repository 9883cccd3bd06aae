package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"writ"
	"writ/casework"
	"writ/rules"
	"writ/store"
	"writ/store/storetest"
)

// TestMigrateOnceWithServersStartingAtOnce starts four servers' stores at
// once on a new PostgreSQL database: every one migrates without error, and
// writ's migrations and River's are each applied once; then each server
// enqueues the reminders of a demand's deadline.
func TestMigrateOnceWithServersStartingAtOnce(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.PostgresSchema(t)
	rb, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	const servers = 4
	stores := make([]*store.Store, servers)
	applied := make([][]string, servers)
	var wg sync.WaitGroup
	errs := make(chan error, servers)
	for i := range servers {
		st, err := store.Open(ctx, dsn, store.Options{Rules: rb, Assessor: casework.NewAssessor(rb), Jobs: storetest.Jobs(t, dsn, nil)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores[i] = st
		wg.Go(func() {
			var err error
			if applied[i], err = st.Migrate(ctx); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, a := range applied {
		for _, name := range a {
			seen[name]++
		}
	}
	river := 0
	for name, n := range seen {
		if n != 1 {
			t.Errorf("migration %s applied %d times", name, n)
		}
		if len(name) > 6 && name[:6] == "river " {
			river++
		}
	}
	if river == 0 || seen["0013_river.sql"] != 1 {
		t.Fatalf("applied %v, want writ's and River's migrations once each", seen)
	}
	for _, table := range []string{"schema_migrations", "river_migration"} {
		var n, distinct int
		if err := store.QueryRaw(stores[0], `SELECT count(*) FROM `+table, &n); err != nil {
			t.Fatal(err)
		}
		if err := store.QueryRaw(stores[0], `SELECT count(DISTINCT version) FROM `+table, &distinct); err != nil {
			t.Fatal(err)
		}
		if n != distinct {
			t.Errorf("%s holds %d rows for %d versions", table, n, distinct)
		}
	}
	sys := writ.System()
	agency, err := stores[0].CreateAgency(ctx, sys, store.AgencyInput{Name: "Sheriff", Country: "US", Kind: "law_enforcement", Verified: true, Verification: "call-back"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stores[1].CreateCustomer(ctx, sys, store.CustomerInput{Name: "C", Kind: "consumer", HomeCountry: "US", KeyCustody: "provider_managed",
		DataLocations: []writ.DataLocation{{Region: "us-east-1", Country: "US"}}, Accounts: []string{"a@b.example"}}); err != nil {
		t.Fatal(err)
	}
	for _, st := range stores {
		in := storetest.Warrant("a@b.example")
		due := time.Now().Add(10 * 24 * time.Hour)
		in.AgencyID, in.Channel, in.Due = agency.ID, "mail", &due
		d, _, err := st.CreateDemand(ctx, writ.Actor{Name: "Rhea", Role: writ.RoleReviewer}, in, "")
		if err != nil {
			t.Fatal(err)
		}
		jobs, err := st.DemandJobs(ctx, sys, d.ID)
		if err != nil || len(jobs) == 0 {
			t.Fatalf("demand %d's jobs: %v, %v", d.ID, jobs, err)
		}
	}
}
