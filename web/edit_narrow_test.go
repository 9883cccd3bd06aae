package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"writ"
)

// The edit form ticks every category the demand asks for; unticking one
// narrows the demand, a category it does not ask for is refused next to
// the field, and unticking them all is refused before the store is asked.
func TestEditFormNarrowsCategories(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	d, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, writ.DemandInput{Reference: "NARROW-1", Instrument: "us_search_warrant", IssuedBy: "judge",
		DataCategories: []string{"subscriber", "content"}, Accounts: []string{"joe@mail.example"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/demands/%d", d.ID)
	b := s.browser(t).signIn(s.Reviewer)
	b.get(path).want(http.StatusOK, path, `name="categories" value="subscriber" checked`, `name="categories" value="content" checked`)
	form := func(kept ...string) url.Values {
		cur, err := s.Store.Demand(ctx, s.Reviewer, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		return url.Values{"ndo": {"keep"}, "asked": {"subscriber", "content", "traffic"}, "categories": kept, "version": {fmt.Sprint(cur.Version)}}
	}
	b.get(path).post(path+"/edit", form()).want(http.StatusBadRequest, "", "keep at least one category")
	b.get(path).post(path+"/edit", form("subscriber", "traffic")).want(http.StatusBadRequest, "", "never added")
	b.get(path).post(path+"/edit", form("subscriber")).want(http.StatusOK, path, "was changed and reassessed", "data categories (narrowed)")
	after, err := s.Store.Demand(ctx, s.Reviewer, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(after.DataCategories, []string{"subscriber"}) {
		t.Fatalf("categories %v, want [subscriber]", after.DataCategories)
	}
	// An agency has no edit form: the legal team narrows.
	a := s.browser(t).signIn(s.AgencyUserUS)
	a.get(path).post(path+"/edit", form("subscriber"))
	if a.resp.StatusCode == http.StatusOK {
		t.Fatalf("an agency user posted the legal team's edit form")
	}
}
