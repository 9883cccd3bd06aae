package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"writ/i18n"
)

// TestAgencyReadsRefusalsAndDeficienciesInItsLanguage: an agency user who
// reads French sees a refused field and the rulebook's deficiencies in
// French, not in the store's and the rulebook's English.
func TestAgencyReadsRefusalsAndDeficienciesInItsLanguage(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser(t).signIn(s.AgencyUserUS)
	if err := s.Store.SetUserLanguage(context.Background(), s.AgencyUserUS, i18n.French); err != nil {
		t.Fatal(err)
	}
	b.get("/agency/new")
	b.postFile("/agency/demands", url.Values{"instrument": {"us_subpoena"}, "issued_by": {"prosecutor"}, "accounts": {"joe@mail.example"},
		"subject_residence": {"Atlantis"}, "language": {"fr"}, "key": {"k1"}}, "document", "warrant.pdf", nil)
	b.want(http.StatusBadRequest, "/agency/demands", "Indiquez le pays par son code ISO à deux lettres", `<option value="fr" selected>français</option>`)
	if strings.Contains(b.page, "unknown country code") {
		t.Error("the store's English reached a French page")
	}
	b.get("/agency/new")
	b.post("/agency/preview", url.Values{"instrument": {"us_search_warrant"}, "issued_by": {"police"}, "data_categories": {"content"},
		"accounts": {"joe@mail.example"}}).want(200, "", "doit être émis par un juge")
	if strings.Contains(b.page, "must be issued by a judge") {
		t.Error("the rulebook's English reached a French page")
	}
}
