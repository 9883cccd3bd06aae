package storetest

import (
	"testing"

	"writ"
)

// testDemandLanguage: a demand keeps the ISO 639-1 language it was
// written in, which letters to an authority of the Union are written in;
// anything else is refused, naming the field.
func testDemandLanguage(t *testing.T, f *Fixture) {
	in := writ.DemandInput{Instrument: "eu_epoc", IssuedBy: "judge", DataCategories: []string{"subscriber"},
		Accounts: []string{"anna@beispiel.example"}, Language: "fr"}
	ds, _, err := f.Store.CreateDemand(ctx, f.AgencyUserDE, in, "")
	check(t, err)
	d, err := f.Store.Demand(ctx, f.AgencyUserDE, ds.ID)
	check(t, err)
	if d.Language != "fr" {
		t.Fatalf("the demand's language is %q, want fr", d.Language)
	}
	// A language writ does not speak is kept too: it is the demand's.
	in.Language = "pl"
	ds, _, err = f.Store.CreateDemand(ctx, f.AgencyUserDE, in, "")
	check(t, err)
	if d, err = f.Store.Demand(ctx, f.Reviewer, ds.ID); err != nil || d.Language != "pl" {
		t.Fatalf("the demand's language is %q (%v), want pl", d.Language, err)
	}
	for _, bad := range []string{"french", "FR", "f", "xx", "fra", "fr-CH"} {
		in.Language = bad
		_, _, err := f.Store.CreateDemand(ctx, f.AgencyUserDE, in, "")
		wantCode(t, err, writ.EINVALID, "language")
	}
}
