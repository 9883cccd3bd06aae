package notify_test

import (
	"strings"
	"testing"

	"writ"
	"writ/notify/notifytest"
	"writ/store/storetest"
)

// A German authority that wrote its European Production Order in French
// gets the redirect letter in French; the same order without a language
// gets it in German, the language of the authority's country.
func TestRedirectLetterToAnEUAuthorityIsInTheDemandsLanguage(t *testing.T) {
	f := storetest.NewFixture(t, storetest.SQLite)
	srv := notifytest.StartSMTP(t)
	w := worker(t, f, srv, "w1")
	for _, c := range []struct{ language, reference, heading string }{
		{"fr", "EPOC-FR", "renvoi d'une demande vers le client"},
		{"", "EPOC-NONE", "Verweisung eines Ersuchens an den Kunden"},
	} {
		in := writ.DemandInput{Reference: c.reference, Instrument: "eu_epoc", IssuedBy: "judge", DataCategories: []string{"subscriber"},
			Accounts: []string{"anna@beispiel.example"}, NoticePermitted: true, Language: c.language}
		d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserDE, in, "")
		check(t, err)
		for _, to := range []writ.State{writ.StateVerifying, writ.StateInReview, writ.StateRedirected} {
			_, err := f.Store.Transition(ctx, f.Reviewer, d.ID, writ.TransitionInput{To: to, Rationale: "r"})
			check(t, err)
		}
		runDue(t, w)
		var letters []string
		for _, m := range to(srv.Mails(), "kim@lka.example.de") {
			if _, text := body(t, m); strings.Contains(text, c.reference) {
				letters = append(letters, text)
			}
		}
		if len(letters) != 1 || !strings.Contains(letters[0], c.heading) {
			t.Errorf("language %q: %d redirect letters, want one saying %q:\n%s", c.language, len(letters), c.heading, strings.Join(letters, "\n---\n"))
		}
	}
}
