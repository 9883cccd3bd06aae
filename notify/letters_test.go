package notify_test

import (
	"strings"
	"testing"

	"writ"
	"writ/notify/notifytest"
	"writ/store/storetest"
)

// TestRedirectLetterAndAuthorityNotification redirects an enterprise's
// demand, which sends the agency a letter naming the customer's legal
// contact, and runs a demand that collides with GDPR Art. 48 into review,
// which notifies the customer's data protection authority at the address
// of the rulebook's directory; both letters are kept as documents.
func TestRedirectLetterAndAuthorityNotification(t *testing.T) {
	f := storetest.NewFixture(t, storetest.SQLite)
	srv := notifytest.StartSMTP(t)
	w := worker(t, f, srv, "w1")
	move := func(id int64, tos ...writ.State) {
		t.Helper()
		for _, to := range tos {
			_, err := f.Store.Transition(ctx, f.Reviewer, id, writ.TransitionInput{To: to, Rationale: "r"})
			check(t, err)
		}
	}
	redirect, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, storetest.Warrant("anna@beispiel.example"), "")
	check(t, err)
	move(redirect.ID, writ.StateVerifying, writ.StateInReview, writ.StateRedirected)
	runDue(t, w)
	letters := to(srv.Mails(), "dan@sheriff.example.gov")
	if len(letters) != 1 {
		t.Fatalf("%d letters to the agency, want 1", len(letters))
	}
	_, text := body(t, letters[0])
	for _, want := range []string{"recht@beispiel.example", "Beispiel AG", "We have disclosed no data"} {
		if !strings.Contains(text, want) {
			t.Errorf("the redirect letter lacks %q:\n%s", want, text)
		}
	}

	in := storetest.Warrant("ben@beispiel.example")
	in.CustomerFirstException = "customer_complicit"
	gdpr, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, in, "")
	check(t, err)
	list, err := f.Store.AuthorityNotifications(ctx, f.Reviewer, gdpr.ID)
	check(t, err)
	if len(list) != 1 || list[0].Code != "DPA" || list[0].Country != "DE" || list[0].State != "drafted" || list[0].Email == "" {
		t.Fatalf("notifications at receipt: %+v", list)
	}
	runDue(t, w)
	if got := to(srv.Mails(), list[0].Email); len(got) != 0 {
		t.Fatal("the authority was told before the requester was verified")
	}
	move(gdpr.ID, writ.StateVerifying, writ.StateInReview)
	runDue(t, w)
	got := to(srv.Mails(), list[0].Email)
	if len(got) != 1 {
		t.Fatalf("%d notifications to %s, want 1", len(got), list[0].Email)
	}
	_, text = body(t, got[0])
	if !strings.Contains(text, list[0].Name) || !strings.Contains(text, "Art. 48") {
		t.Errorf("the notification:\n%s", text)
	}
	list, err = f.Store.AuthorityNotifications(ctx, f.Reviewer, gdpr.ID)
	check(t, err)
	if list[0].State != "sent" || list[0].SentAt == nil {
		t.Fatalf("after sending: %+v", list[0])
	}
	docs, err := f.Store.Documents(ctx, f.Auditor, gdpr.ID)
	check(t, err)
	names := []string{}
	for _, d := range docs {
		names = append(names, d.Name)
	}
	if !strings.Contains(strings.Join(names, " "), "notification-dpa-DE-v1.txt") {
		t.Fatalf("the notification is not kept: %v", names)
	}
}
