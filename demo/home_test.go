package demo_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"writ"
	"writ/demo"
	"writ/identity"
	"writ/store"
	"writ/store/storetest"
)

// On the demo data the legal team's home counts what a person would count
// by reading every demand with its deadlines, responses and notice: the
// expected figures here come from the demands' pages, not from the home's
// queries. A few demo demands are given to the reviewer first, so that
// "mine" is not empty.
func TestHomeCountsOnTheDemoData(t *testing.T) {
	t.Parallel() // the demo loads take minutes; each has a store of its own
	now := time.Now().UTC()
	st := storetest.SQLite(t, func() time.Time { return now })
	ctx := context.Background()
	tokens, err := demo.Load(ctx, st, demo.Options{Demands: 300, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	actorOf := func(role writ.Role) writ.Actor {
		u, err := identity.New(st).Authenticate(ctx, tokens[string(role)])
		if err != nil {
			t.Fatal(err)
		}
		return writ.ActorOf(u)
	}
	reviewer, approver := actorOf(writ.RoleReviewer), actorOf(writ.RoleApprover)
	all := listAll(t, st)
	given := 0
	for _, d := range all {
		if d.State != writ.StateClosed && given < 4 {
			if _, err := st.UpdateDemand(ctx, reviewer, d.ID, writ.DemandPatch{AssigneeID: &reviewer.UserID}); err != nil {
				t.Fatal(err)
			}
			given++
		}
	}
	all = listAll(t, st)
	for _, actor := range []writ.Actor{reviewer, approver, actorOf(writ.RoleAdmin), actorOf(writ.RoleAuditor)} {
		want := countByHand(t, st, actor, all, now)
		home, err := st.Home(ctx, actor)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range home.Views {
			if v.Count != want[v.View] {
				t.Errorf("%s's home: %s = %d, counted by hand %d", actor.Role, v.View, v.Count, want[v.View])
			}
		}
		t.Logf("%s: %v", actor.Role, want)
	}
	// The demo data has demands in the views below for
	// the approver, so the comparison above is not of zeros.
	want := countByHand(t, st, approver, all, now)
	for _, view := range []string{writ.ViewEmergencies, writ.ViewOverdue, writ.ViewDueThisWeek, writ.ViewUnassigned, writ.ViewApproval} {
		if want[view] == 0 {
			t.Errorf("the demo data has no demand in view %s", view)
		}
	}
}

func listAll(t *testing.T, st *store.Store) []writ.Demand {
	t.Helper()
	var all []writ.Demand
	cursor := ""
	for {
		page, err := st.Demands(context.Background(), writ.System(), writ.DemandFilter{Sort: "newest", Limit: 500, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Items...)
		if cursor = page.NextCursor; cursor == "" {
			return all
		}
	}
}

// countByHand counts each view of the home from the demands' own pages:
// their open deadlines, the customer's responses and the notice's state.
func countByHand(t *testing.T, st *store.Store, actor writ.Actor, all []writ.Demand, now time.Time) map[string]int {
	t.Helper()
	ctx := context.Background()
	endOfDay := now.Truncate(24 * time.Hour).Add(24 * time.Hour)
	out := map[string]int{}
	for _, d := range all {
		dls, err := st.DemandDeadlines(ctx, actor, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		var next *time.Time
		emergency := false
		for _, dl := range dls {
			if dl.Status != writ.DeadlineOpen {
				continue
			}
			if due := dl.Due; next == nil || due.Before(*next) {
				next = &due
			}
			emergency = emergency || dl.Code == writ.DeadlineEmergencyResponse
		}
		responses, err := st.Responses(ctx, actor, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		objection := slices.ContainsFunc(responses, func(r writ.CustomerResponse) bool { return r.Kind == writ.ResponseObject && r.Decision == "" })
		open := d.State != writ.StateClosed
		count := func(view string, yes bool) {
			if yes {
				out[view]++
			}
		}
		count(writ.ViewEmergencies, emergency)
		count(writ.ViewOverdue, open && next != nil && next.Before(now))
		count(writ.ViewDueToday, open && next != nil && !next.Before(now) && next.Before(endOfDay))
		count(writ.ViewDueThisWeek, open && next != nil && !next.Before(now) && next.Before(now.Add(7*24*time.Hour)))
		count(writ.ViewUnassigned, d.State == writ.StateReceived && d.AssigneeID == nil)
		count(writ.ViewMine, open && d.AssigneeID != nil && *d.AssigneeID == actor.UserID)
		count(writ.ViewApproval, (actor.Role == writ.RoleApprover || actor.Role == writ.RoleAdmin) && d.State == writ.StateInReview &&
			(d.ReviewerID == nil || *d.ReviewerID != actor.UserID) && !objection)
		count(writ.ViewObjections, objection)
		count(writ.ViewUndeliverable, d.NoticeState == "undeliverable")
	}
	return out
}
