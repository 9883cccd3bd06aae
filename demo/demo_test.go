package demo_test

import (
	"context"
	"testing"
	"time"

	"writ"
	"writ/demo"
	"writ/identity"
	"writ/store/storetest"
)

func TestDemoCoversEveryStateAndLoadsTwiceSafely(t *testing.T) {
	t.Parallel() // the demo loads take minutes; each has a store of its own
	now := time.Now()
	st := storetest.SQLite(t, func() time.Time { return now })
	ctx := context.Background()
	tokens, err := demo.Load(ctx, st, demo.Options{Demands: 120, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	demo.CheckDeadlines(t, st, now)
	for _, role := range writ.Roles() {
		u, err := identity.New(st).Authenticate(ctx, tokens[string(role)])
		if err != nil || u.Role != role {
			t.Fatalf("token for %s: user %+v, %v", role, u, err)
		}
	}
	count := func() (map[writ.State]int, map[string]int) {
		states, outcomes := map[writ.State]int{}, map[string]int{}
		cursor := ""
		for {
			page, err := st.Demands(ctx, writ.System(), writ.DemandFilter{Limit: 500, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range page.Items {
				states[d.State]++
				if d.State == writ.StateClosed {
					outcomes[d.Outcome]++
				}
			}
			if cursor = page.NextCursor; cursor == "" {
				return states, outcomes
			}
		}
	}
	states, outcomes := count()
	// The legal team has written to agencies about refusals and to
	// customers about their notices.
	written := map[string]int{}
	for id := int64(1); id <= 120; id++ {
		for _, thread := range writ.Threads() {
			msgs, err := st.Messages(ctx, writ.System(), id, thread)
			if err != nil && writ.ErrorCode(err) != writ.ENOTFOUND {
				t.Fatal(err)
			}
			written[thread] += len(msgs)
		}
	}
	if written[writ.ThreadAgency] == 0 || written[writ.ThreadCustomer] == 0 {
		t.Errorf("messages on the demo's threads: %v, want some on each", written)
	}
	for _, s := range writ.States() {
		if states[s] == 0 {
			t.Errorf("no demo demand in state %s: %v", s, states)
		}
	}
	for _, o := range writ.Outcomes() {
		if o != writ.OutcomeContentDisclosed && outcomes[o] == 0 {
			t.Errorf("no closed demo demand with outcome %s: %v", o, outcomes)
		}
	}
	// A second run adds nothing and issues working tokens again.
	again, err := demo.Load(ctx, st, demo.Options{Demands: 120, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if again["admin"] == tokens["admin"] {
		t.Fatal("the second run reissued the same token")
	}
	states2, _ := count()
	total, total2 := 0, 0
	for s := range states {
		total += states[s]
		total2 += states2[s]
	}
	if total2 != total {
		t.Fatalf("second run changed the number of demands from %d to %d", total, total2)
	}
	agencies, err := st.Agencies(ctx, writ.System(), writ.AgencyFilter{Limit: 500})
	if err != nil || len(agencies.Items) != 13 {
		t.Fatalf("%d agencies after two runs (%v), want 13", len(agencies.Items), err)
	}
}
