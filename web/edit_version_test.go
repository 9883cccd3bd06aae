package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// The edit form carries the version of the demand it was shown with: a
// change someone made meanwhile refuses the stale form, as the API's
// If-Match does, and the demand keeps that change; a fresh form saves.
func TestEditFormRefusesAStaleVersion(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	day := newLegalDay(t, s)
	ctx := context.Background()
	d, err := s.Store.Demand(ctx, s.Reviewer, day.fresh)
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/demands/%d", day.fresh)
	b := s.browser(t).signIn(s.Reviewer)
	b.get(path).want(http.StatusOK, path, fmt.Sprintf(`name="version" value="%d"`, d.Version))
	form := url.Values{"ndo": {"set"}, "ndo_basis": {"18 U.S.C. 2705(b)"}, "ndo_until": {"2027-06-30"}, "version": {fmt.Sprint(d.Version)}}
	b.post(path+"/edit", form).want(http.StatusOK, path, "was changed and reassessed")
	stale := url.Values{"ndo": {"set"}, "ndo_basis": {"a different order"}, "version": {fmt.Sprint(d.Version)}}
	b.get(path).post(path+"/edit", stale)
	if b.resp.StatusCode == http.StatusOK {
		t.Fatalf("a stale form was saved")
	}
	b.want(b.resp.StatusCode, "", "Changed meanwhile")
	after, err := s.Store.Demand(ctx, s.Reviewer, day.fresh)
	if err != nil {
		t.Fatal(err)
	}
	if after.Nondisclosure == nil || after.Nondisclosure.Basis != "18 U.S.C. 2705(b)" {
		t.Fatalf("the order is %+v, want the first change kept", after.Nondisclosure)
	}
}
