package storetest

import (
	"fmt"
	"testing"

	"writ"
)

// The preview of a submission shows its deficiencies, stores nothing,
// and is the same whether the accounts it names exist or not.
func testPreviewIsNoOracle(t *testing.T, f *Fixture) {
	before, err := f.Store.LogSize(ctx)
	check(t, err)
	in := Warrant("joe@mail.example")
	in.Instrument, in.IssuedBy = "us_subpoena", "other"
	held, err := f.Store.PreviewDemand(ctx, f.AgencyUserUS, in)
	check(t, err)
	if len(held) != 1 || held[0].Code != "CATEGORY_NOT_PERMITTED" {
		t.Fatalf("preview %+v", held)
	}
	for _, accounts := range [][]string{{"nobody@nowhere.example"}, {"anna@beispiel.example"}, {"joe@mail.example", "nobody@nowhere.example"}} {
		in.Accounts = accounts
		got, err := f.Store.PreviewDemand(ctx, f.AgencyUserUS, in)
		check(t, err)
		if fmt.Sprint(got) != fmt.Sprint(held) {
			t.Fatalf("the preview for %v differs from the one for a held account:\n%+v\n%+v", accounts, got, held)
		}
	}
	after, err := f.Store.LogSize(ctx)
	check(t, err)
	page, err := f.Store.Demands(ctx, f.Reviewer, writ.DemandFilter{})
	check(t, err)
	if after != before || len(page.Items) != 0 {
		t.Fatalf("a preview left %d log entries and %d demands", after-before, len(page.Items))
	}
	in.DataCategories = []string{"gossip"}
	_, err = f.Store.PreviewDemand(ctx, f.AgencyUserUS, in)
	wantCode(t, err, writ.EINVALID, "data_categories[0]")
	_, err = f.Store.PreviewDemand(ctx, f.CustomerUserConsumer, Warrant("joe@mail.example"))
	wantCode(t, err, writ.EFORBIDDEN)
}
