package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	"writ"
	"writ/store"
	"writ/store/storetest"
)

// intakeCases are demands of every shape intake writes differently: one
// customer, several (split), no held account, a non-disclosure order, an
// emergency, a notification of a data protection authority, and one the
// legal team records with its time of arrival and a due date in another
// zone.
func intakeCases(f *storetest.Fixture) []struct {
	name  string
	actor writ.Actor
	in    writ.DemandInput
} {
	ndo := storetest.Warrant("joe@mail.example")
	ndo.Instrument, ndo.Citation, ndo.DataCategories = "us_2703d_order", "18 U.S.C. 2703(d)", []string{"subscriber", "traffic"}
	ndo.Nondisclosure = &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)", Until: "2027-06-30"}
	subpoena := storetest.Warrant("joe@mail.example")
	subpoena.Instrument, subpoena.IssuedBy, subpoena.DataCategories = "us_subpoena", "other", []string{"subscriber"}
	emergency := storetest.Warrant("joe@mail.example")
	emergency.Instrument, emergency.IssuedBy, emergency.DataCategories = "us_emergency", "other", []string{"subscriber"}
	emergency.Emergency = &writ.Emergency{Justification: "a child is missing"}
	gdpr := storetest.Warrant("ben@beispiel.example")
	gdpr.CustomerFirstException = "customer_complicit"
	recorded := storetest.Warrant("anna@beispiel.example")
	arrived := storetest.Start.Add(-50 * time.Hour)
	due := time.Date(2030, 3, 1, 17, 0, 0, 0, time.FixedZone("EST", -5*3600))
	recorded.AgencyID, recorded.Channel, recorded.ReceivedAt, recorded.Due = f.AgencyUS.ID, "email", &arrived, &due
	recorded.Requester = "dan@sheriff.example.gov"
	return []struct {
		name  string
		actor writ.Actor
		in    writ.DemandInput
	}{
		{"warrant", f.AgencyUserUS, storetest.Warrant("joe@mail.example")},
		{"split", f.AgencyUserUS, storetest.Warrant("anna@beispiel.example", "joe@mail.example", "ben@beispiel.example")},
		{"no account held", f.AgencyUserUS, storetest.Warrant("nobody@nowhere.example")},
		{"non-disclosure order", f.AgencyUserUS, ndo},
		{"subpoena", f.AgencyUserUS, subpoena},
		{"emergency", f.AgencyUserUS, emergency},
		{"authority notified", f.AgencyUserUS, gdpr},
		{"recorded by the legal team", f.Reviewer, recorded},
	}
}

// TestIntakeLeavesWhatReassessWould: intake writes a new demand's rows at
// once, with their final values, instead of inserting it and reassessing
// it; reassessing it afterwards, as any change does, finds nothing to
// change — the assessment, deadlines, notice and deliveries,
// notifications of authorities, jobs and the demand's own columns are
// what reassess would have made. And intake's answer, built from what it
// wrote, is the demand as a read returns it.
func TestIntakeLeavesWhatReassessWould(t *testing.T) {
	for _, db := range storetest.Databases() {
		t.Run(db.Name, func(t *testing.T) {
			dsn := db.Migrated(t)
			f := storetest.NewFixture(t, func(t *testing.T, now func() time.Time) *store.Store {
				return storetest.OpenAt(t, dsn, now, nil)
			})
			for _, c := range intakeCases(f) {
				d, _, err := f.Store.CreateDemand(ctx, c.actor, c.in, "")
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				read, err := f.Store.Demand(ctx, c.actor, d.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := asJSON(t, d), asJSON(t, read); got != want {
					t.Errorf("%s: intake answered\n%s\nbut the demand reads\n%s", c.name, got, want)
				}
				ids := append([]int64{d.ID}, read.Linked...)
				if c.actor.Role == writ.RoleAgency {
					whole, err := f.Store.Demand(ctx, f.Reviewer, d.ID)
					if err != nil {
						t.Fatal(err)
					}
					ids = append([]int64{d.ID}, whole.Linked...)
				}
				for _, id := range ids {
					before := snapshot(t, f, id)
					if err := store.ReassessDemand(f.Store, id); err != nil {
						t.Fatal(err)
					}
					if after := snapshot(t, f, id); after != before {
						t.Errorf("%s: demand %d as intake wrote it\n%s\nand reassessed\n%s", c.name, id, before, after)
					}
				}
			}
		})
	}
}

var ctx = context.Background()

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// snapshot is everything of a demand that intake and reassess write, as
// the legal team reads it, and when its customer may see it.
func snapshot(t *testing.T, f *storetest.Fixture, id int64) string {
	t.Helper()
	var parts []any
	add := func(v any, err error) {
		t.Helper()
		if err != nil && writ.ErrorCode(err) != writ.ENOTFOUND {
			t.Fatal(err)
		}
		parts = append(parts, v)
	}
	add(f.Store.Demand(ctx, f.Reviewer, id))
	add(f.Store.Assessment(ctx, f.Reviewer, id))
	add(f.Store.DemandDeadlines(ctx, f.Reviewer, id))
	add(f.Store.Notice(ctx, f.Reviewer, id))
	add(f.Store.AuthorityNotifications(ctx, f.Reviewer, id))
	add(f.Store.DemandJobs(ctx, f.Reviewer, id))
	var visible sql.NullTime
	var urgent bool
	err := store.QueryRaw(f.Store, `SELECT customer_visible_from FROM demands WHERE id = $1`, &visible, id)
	add(visible, err)
	err = store.QueryRaw(f.Store, `SELECT urgent FROM demands WHERE id = $1`, &urgent, id)
	add(urgent, err)
	return asJSON(t, parts)
}
