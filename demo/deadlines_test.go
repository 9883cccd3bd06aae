package demo

import (
	"context"
	"testing"
	"time"

	"writ"
	"writ/store"
)

// CheckDeadlines checks the demo data as the legal team's queue shows it:
// no closed demand has an owed deadline, and the overdue count is the
// number of open demands with an open deadline in the past.
// The store's clock must stand still at now.
func CheckDeadlines(t *testing.T, st *store.Store, now time.Time) {
	t.Helper()
	ctx := context.Background()
	auditor := writ.Actor{Role: writ.RoleAuditor, Name: "auditor"}
	overdue, closed := 0, 0
	for _, d := range allDemands(t, st) {
		dls, err := st.DemandDeadlines(ctx, auditor, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		late := false
		for _, dl := range dls {
			if d.State == writ.StateClosed && dl.Status == writ.DeadlineOpen {
				t.Fatalf("closed demand %d (%s) owes %s due %s", d.ID, d.Reference, dl.Code, dl.Due)
			}
			late = late || dl.Status == writ.DeadlineOpen && dl.Due.Before(now)
		}
		if d.State == writ.StateClosed {
			closed++
			if d.NextDeadline != nil {
				t.Fatalf("closed demand %d shows the next deadline %s %s", d.ID, d.NextDeadlineCode, d.NextDeadline)
			}
			continue
		}
		if late {
			overdue++
		}
	}
	alerts, err := st.Alerts(ctx, auditor)
	if err != nil {
		t.Fatal(err)
	}
	if alerts.Overdue != overdue || closed == 0 {
		t.Fatalf("the queue counts %d overdue, the open demands with an open deadline in the past are %d (%d closed)", alerts.Overdue, overdue, closed)
	}
}
