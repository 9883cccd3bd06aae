package notify_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/notify/notifytest"
	"writ/rules"
	"writ/store"
	"writ/store/storetest"
)

// TestRemindersBeforeEveryDeadlineKindAndEscalation makes demands that
// carry every kind of deadline the rulebook has, walks the clock to each
// reminder, and checks that the assignee is reminded at the configured
// lead before the deadline falls due and not earlier, unless the
// deadline was met (nobody is reminded of what is done); then lets a comity
// motion deadline pass undone, which is escalated to the approvers and
// admins, while a response deadline that was met is not.
func TestRemindersBeforeEveryDeadlineKindAndEscalation(t *testing.T) {
	const lead = 48 * time.Hour
	// The store's default lead, which the test names.
	f := storetest.NewFixture(t, storetest.SQLite)
	srv := notifytest.StartSMTP(t)
	w := worker(t, f, srv, "w1")
	gb, err := f.Store.CreateCustomer(ctx, f.Admin, store.CustomerInput{Name: "Thames Ltd", Kind: "enterprise", HomeCountry: "GB",
		LegalContact: "legal@thames.example", KeyCustody: "provider_managed", DataLocations: []writ.DataLocation{{Region: "eu-west-2", Country: "GB"}},
		Accounts: []string{"olivia@thames.example"}})
	check(t, err)
	if len(gb.Accounts) != 1 {
		t.Fatal(gb)
	}
	due := storetest.Start.Add(5 * 24 * time.Hour)
	years := 5.0
	var ids []int64
	submit := func(actor writ.Actor, in writ.DemandInput) writ.Demand {
		t.Helper()
		d, _, err := f.Store.CreateDemand(ctx, actor, in, "")
		check(t, err)
		assignee := f.Reviewer.UserID
		_, err = f.Store.UpdateDemand(ctx, f.Admin, d.ID, writ.DemandPatch{AssigneeID: &assignee})
		check(t, err)
		ids = append(ids, d.ID)
		return d
	}
	answered := storetest.Warrant("joe@mail.example") // RESPOND, EARLIEST_DISCLOSURE
	answered.Due = &due
	respond := submit(f.AgencyUserUS, answered)
	// Its response deadline is met at once: the demand is answered.
	for _, to := range []writ.State{writ.StateVerifying, writ.StateInReview, writ.StateNoData} {
		_, err := f.Store.Transition(ctx, f.Reviewer, respond.ID, writ.TransitionInput{To: to, Rationale: "r"})
		check(t, err)
	}
	gagged := storetest.Warrant("jane@mail.example") // NOTICE
	gagged.Nondisclosure = &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)", Until: "2026-12-20"}
	submit(f.AgencyUserUS, gagged)
	submit(f.AgencyUserUS, writ.DemandInput{Instrument: "us_preservation_2703f", IssuedBy: "other", DataCategories: []string{"content"}, // PRESERVE_UNTIL
		Accounts: []string{"joe@mail.example"}})
	comity := submit(f.AgencyUserUS, storetest.Warrant("olivia@thames.example"))                               // COMITY_MOTION
	submit(f.AgencyUserDE, writ.DemandInput{Instrument: "eu_epoc", IssuedBy: "judge", OffenceMaxYears: &years, // RESPOND, ENFORCING_AUTHORITY_WINDOW, CONFLICT_OBJECTION
		DataCategories: []string{"traffic", "content"}, Accounts: []string{"joe@mail.example"}})
	submit(f.AgencyUserDE, writ.DemandInput{Instrument: "eu_epoc", IssuedBy: "police", DataCategories: []string{"subscriber"}, // VALIDATION
		Accounts: []string{"jane@mail.example"}, Emergency: &writ.Emergency{Justification: "a threat to life"}})

	type deadline struct {
		demand int64
		code   string
		due    time.Time
	}
	var all []deadline
	kinds := map[string]bool{}
	for _, id := range ids {
		body, err := f.Store.Assessment(ctx, f.Auditor, id)
		check(t, err)
		var a struct {
			Deadlines []struct {
				Code string    `json:"code"`
				Due  time.Time `json:"due"`
			} `json:"deadlines"`
		}
		check(t, json.Unmarshal(body, &a))
		for _, dl := range a.Deadlines {
			all = append(all, deadline{id, dl.Code, dl.Due})
			kinds[dl.Code] = true
		}
	}
	for _, code := range []string{rules.DeadlineRespond, rules.DeadlineEnforcingAuthorityWindow, rules.DeadlineConflictObjection,
		rules.DeadlinePreserveUntil, rules.DeadlineValidation, rules.DeadlineComityMotion, rules.DeadlineNotice, rules.DeadlineEarliestDisclosure} {
		if !kinds[code] {
			t.Fatalf("no demand has a %s deadline: %v", code, kinds)
		}
	}
	remindAt := func(d deadline) time.Time {
		at := d.due.Add(-lead)
		if at.Before(storetest.Start) {
			at = storetest.Start
		}
		return at
	}
	sort.Slice(all, func(i, j int) bool { return remindAt(all[i]).Before(remindAt(all[j])) })
	subject := func(d deadline) string { return fmt.Sprintf("Reminder: %s of demand %d is due", d.code, d.demand) }
	reminded := func(d deadline) int {
		n := 0
		for _, m := range to(srv.Mails(), "rhea@provider.example") {
			h, _ := body(t, m)
			if strings.HasPrefix(h.Get("Subject"), subject(d)) {
				n++
			}
		}
		return n
	}
	for _, d := range all {
		at := remindAt(d)
		if now := f.Clock.Now(); at.After(now.Add(time.Minute)) {
			f.Clock.Advance(at.Add(-time.Minute).Sub(now))
			runDue(t, w)
			if reminded(d) != 0 {
				t.Fatalf("%s of demand %d was reminded of before %s", d.code, d.demand, at)
			}
		}
		if now := f.Clock.Now(); at.After(now) {
			f.Clock.Advance(at.Sub(now))
		}
		runDue(t, w)
		want := 1
		if d.demand == respond.ID && d.code == rules.DeadlineRespond {
			want = 0 // met when the demand was answered
		}
		if got := reminded(d); got != want {
			t.Fatalf("%s of demand %d (due %s) was reminded of %d times at %s, want %d", d.code, d.demand, d.due, got, at, want)
		}
	}

	// The comity motion is never filed.
	var comityDue time.Time
	for _, d := range all {
		if d.demand == comity.ID && d.code == rules.DeadlineComityMotion {
			comityDue = d.due
		}
	}
	if now := f.Clock.Now(); comityDue.After(now) {
		f.Clock.Advance(comityDue.Sub(now) + time.Minute)
	}
	f.Clock.Advance(24 * time.Hour) // past the first demand's response deadline as well
	runDue(t, w)
	escalations := map[string][]string{}
	for _, m := range srv.Mails() {
		h, _ := body(t, m)
		if s := h.Get("Subject"); strings.HasPrefix(s, "OVERDUE: ") {
			escalations[s] = append(escalations[s], m.To...)
		}
	}
	want := fmt.Sprintf("OVERDUE: COMITY_MOTION of demand %d was due", comity.ID)
	found := false
	for s, rcpt := range escalations {
		if strings.HasPrefix(s, want) {
			found = true
			slices.Sort(rcpt)
			if !slices.Equal(rcpt, []string{"ada@provider.example", "aria@provider.example", "arlo@provider.example"}) {
				t.Errorf("escalated to %v, want the approvers and admins", rcpt)
			}
		}
		if strings.Contains(s, fmt.Sprintf("RESPOND of demand %d ", respond.ID)) {
			t.Errorf("a met deadline was escalated: %s", s)
		}
	}
	if !found {
		t.Fatalf("the missed comity motion was not escalated; escalations: %v", escalations)
	}
	if n := count(events(t, f, comity.ID), "deadline.escalated"); n != 1 {
		t.Fatalf("%d escalation events, want 1", n)
	}
}
