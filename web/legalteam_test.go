package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"writ"
)

// The legal team's new pages and actions are the legal team's: an agency
// and a customer are refused each of them, an auditor reads but does not
// act, and an internal note never shows on the agency's or the
// customer's page of the demand.
func TestLegalTeamPagesPerRole(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	day := newLegalDay(t, s)
	if _, err := s.Store.AddNote(context.Background(), s.Reviewer, day.objected, "internal: the clerk called"); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprint(day.fresh)
	posts := map[string]url.Values{
		"/queue/bulk":                  {"demand": {id}, "action": {"close_no_data"}, "rationale": {"x"}},
		"/demands/" + id + "/notes":    {"body": {"x"}},
		"/demands/" + id + "/assignee": {"assignee": {fmt.Sprint(s.Reviewer.UserID)}},
		"/demands/" + id + "/edit":     {"ndo": {"lift"}},
		"/queue/filters":               {"name": {"x"}, "query": {"view=mine"}},
		"/queue/filters/1/deletion":    {},
	}
	for _, a := range []writ.Actor{s.AgencyUserUS, s.CustomerUserConsumer} {
		b := s.browser(t).signIn(a)
		for _, path := range []string{"/home", "/queue?view=mine", "/queue.csv", "/queue?search=warrant"} {
			b.get(path).want(http.StatusForbidden, "", "EFORBIDDEN")
		}
		for path, form := range posts {
			b.get("/public").post(path, form)
			if b.resp.StatusCode != http.StatusForbidden && b.resp.StatusCode != http.StatusNotFound {
				t.Fatalf("%s as %s: status %d", path, a.Role, b.resp.StatusCode)
			}
		}
		b.get(demandPath(day.objected))
		if strings.Contains(b.page, "the clerk called") || strings.Contains(b.page, "Internal notes") {
			t.Fatalf("the %s's page of the demand shows the internal note", a.Role)
		}
	}
	auditor := s.browser(t).signIn(s.Auditor)
	auditor.get("/home").want(http.StatusOK, "/home", "Awaiting my approval")
	auditor.get(demandPath(day.objected)).want(http.StatusOK, "", "the clerk called")
	// Search finds the demand by a word of its note, and by its agency.
	if page := auditor.get("/queue?search=clerk+called").want(http.StatusOK, "/queue", "DAY-OBJ").page; strings.Contains(page, "DAY-NEW") {
		t.Fatal("the search for the note's words lists another demand")
	}
	auditor.get("/queue?search=sheriff").want(http.StatusOK, "/queue", "DAY-OBJ", "DAY-NEW")
	for _, path := range []string{"/queue/bulk", "/demands/" + id + "/notes"} {
		auditor.get("/queue").post(path, posts[path]).want(http.StatusForbidden, "", "EFORBIDDEN")
	}
	if strings.Contains(auditor.get(demandPath(day.objected)).page, `id="note-form"`) {
		t.Fatal("an auditor is offered the note form")
	}
}

// The CSV export holds the queue's filter and defuses what a spreadsheet
// would run: a reference starting with "=" is written with an apostrophe.
func TestQueueExportIsFilteredAndSafe(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	for _, ref := range []string{`=HYPERLINK("http://evil.example","x")`, "PLAIN-1"} {
		if _, _, err := s.Store.CreateDemand(ctx, s.AgencyUserUS, writ.DemandInput{Reference: ref, Instrument: "us_subpoena",
			IssuedBy: "prosecutor", DataCategories: []string{"subscriber"}, Accounts: []string{"joe@mail.example"}}, ""); err != nil {
			t.Fatal(err)
		}
	}
	b := s.browser(t).signIn(s.Reviewer)
	b.get("/queue.csv?state=received&sort=id").want(http.StatusOK, "/queue.csv")
	if ct := b.resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	lines := strings.Split(strings.TrimSpace(b.page), "\n")
	if len(lines) != 3 || !strings.Contains(b.page, `"'=HYPERLINK(""http://evil.example"",""x"")"`) || !strings.Contains(b.page, "Received") {
		t.Fatalf("the export reads:\n%s", b.page)
	}
	b.get("/queue.csv?state=closed").want(http.StatusOK, "/queue.csv")
	if n := len(strings.Split(strings.TrimSpace(b.page), "\n")); n != 1 {
		t.Fatalf("the export of closed demands has %d lines", n)
	}
}

// A user is created only with a role chosen: the form offers none by
// default and refuses an empty one, naming the field.
func TestNewUserHasNoDefaultRole(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser(t).signIn(s.Admin)
	b.get("/admin/users").want(http.StatusOK, "/admin/users", `<option value="">— choose the role —</option>`)
	b.post("/admin/users", url.Values{"name": {"Nia New"}, "email": {"nia@provider.example"}, "role": {""}})
	if b.resp.StatusCode != http.StatusBadRequest || !strings.Contains(b.page, "role") {
		t.Fatalf("a user without a role: status %d\n%s", b.resp.StatusCode, visibleText(b.page))
	}
	if _, err := s.Store.UserByEmail(context.Background(), "nia@provider.example"); writ.ErrorCode(err) != writ.ENOTFOUND {
		t.Fatalf("the user was created: %v", err)
	}
}
