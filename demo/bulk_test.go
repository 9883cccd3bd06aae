package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/store"
	"writ/store/storetest"
)

// TestBulkDemandsAreImportedWhole loads a data set large enough to use the
// bulk path and checks it as a reader of the store would: every state and
// outcome, one outcome per closed demand, ten years of receipts, stored
// assessments that are the rulebook's, lists and filters that work, and a
// second run that adds only what is missing.
func TestBulkDemandsAreImportedWhole(t *testing.T) {
	t.Parallel() // the demo loads take minutes; each has a store of its own
	now := time.Now()
	st := storetest.SQLite(t, func() time.Time { return now })
	ctx := context.Background()
	var bar bytes.Buffer
	if _, err := Load(ctx, st, Options{Demands: 2600, Now: now, Progress: &bar}); err != nil {
		t.Fatal(err)
	}
	CheckDeadlines(t, st, now)
	if !strings.Contains(bar.String(), "\r") || !strings.HasSuffix(bar.String(), "\n") || !strings.Contains(bar.String(), "2,600 of 2,600") {
		t.Errorf("progress bar %q", bar.String())
	}
	all := allDemands(t, st)
	states, outcomes, references := map[writ.State]int{}, map[string]int{}, map[string]int{}
	halfYears := map[string]bool{}
	nationalSecurity, bulk := 0, 0
	for _, d := range all {
		states[d.State]++
		references[d.Reference]++
		if (d.State == writ.StateClosed) != (d.Outcome != "") {
			t.Fatalf("demand %d is %s with outcome %q", d.ID, d.State, d.Outcome)
		}
		if d.State == writ.StateClosed {
			outcomes[d.Outcome]++
		}
		if n := demoNumber(t, d.Reference); n > serviceDemands {
			bulk++
			halfYears[halfYear(d.ReceivedAt)] = true
			for _, f := range d.Flags {
				if f == "NATIONAL_SECURITY" {
					nationalSecurity++
				}
			}
		}
	}
	if len(references) != 2600 {
		t.Fatalf("%d demo references, want 2600", len(references))
	}
	for _, s := range writ.States() {
		if states[s] == 0 {
			t.Errorf("no demand in state %s: %v", s, states)
		}
	}
	for _, o := range writ.Outcomes() {
		if outcomes[o] == 0 {
			t.Errorf("no closed demand with outcome %s: %v", o, outcomes)
		}
	}
	if share := float64(nationalSecurity) / float64(bulk); share < 0.005 || share > 0.05 {
		t.Errorf("national-security share %.3f of imported demands, want about 0.02", share)
	}
	for at := now.AddDate(-10, 0, 0).AddDate(0, 6, 0); at.Before(now); at = at.AddDate(0, 6, 0) {
		if !halfYears[halfYear(at)] {
			t.Errorf("no imported demand received in %s: %v", halfYear(at), halfYears)
		}
	}

	// A sample's stored assessment is the rulebook's for the demand.
	for _, d := range []writ.Demand{all[0], all[len(all)/2], all[len(all)-400]} {
		want, _ := json.Marshal(st.Rules().Assess(storetest.StoredCase(t, st, d)))
		got, err := st.Assessment(ctx, writ.System(), d.ID)
		if err != nil || string(got) != string(want) {
			t.Fatalf("demand %d: stored assessment\n%s (%v)\nwant\n%s", d.ID, got, err, want)
		}
	}

	// Lists and filters reach the imported demands.
	page, err := st.Demands(ctx, writ.System(), writ.DemandFilter{State: writ.StateInReview, Limit: 500})
	if err != nil || len(page.Items) != states[writ.StateInReview] {
		t.Fatalf("state filter: %d demands (%v), want %d", len(page.Items), err, states[writ.StateInReview])
	}
	page, err = st.Demands(ctx, writ.System(), writ.DemandFilter{Text: "DEMO-01234", Limit: 5})
	if err != nil || len(page.Items) == 0 || page.Items[0].Reference != "DEMO-01234" {
		t.Fatalf("text search: %+v (%v)", page.Items, err)
	}
	page, err = st.Demands(ctx, writ.System(), writ.DemandFilter{Sort: "deadline", Limit: 50})
	if err != nil || len(page.Items) != 50 {
		t.Fatalf("by deadline: %d (%v)", len(page.Items), err)
	}
	// The emergencies waiting for an answer come first, then the rest;
	// each part is in deadline order.
	urgent := 0
	for urgent < len(page.Items) && page.Items[urgent].ResponseTarget != nil {
		urgent++
	}
	for i := 1; i < len(page.Items); i++ {
		a, b := page.Items[i-1].NextDeadline, page.Items[i].NextDeadline
		if i != urgent && (a != nil && b != nil && b.Before(*a) || a == nil && b != nil) {
			t.Fatalf("by deadline out of order at %d", i)
		}
	}

	// A second run with more demands adds only the missing ones.
	if _, err := Load(ctx, st, Options{Demands: 2700, Now: now}); err != nil {
		t.Fatal(err)
	}
	again := map[string]bool{}
	for _, d := range allDemands(t, st) {
		again[d.Reference] = true
	}
	if len(again) != 2700 || len(allDemands(t, st)) != len(all)+countParts(t, now, 2601, 2700) {
		t.Fatalf("after the second run %d references, %d demands; want 2700 and %d", len(again), len(allDemands(t, st)), len(all)+countParts(t, now, 2601, 2700))
	}
}

func allDemands(t *testing.T, st *store.Store) []writ.Demand {
	t.Helper()
	var all []writ.Demand
	for cursor := ""; ; {
		page, err := st.Demands(context.Background(), writ.System(), writ.DemandFilter{Limit: 500, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Items...)
		if cursor = page.NextCursor; cursor == "" {
			return all
		}
	}
}

func demoNumber(t *testing.T, reference string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimPrefix(reference, referencePrefix))
	if err != nil {
		t.Fatalf("reference %q: %v", reference, err)
	}
	return n
}

func halfYear(t time.Time) string {
	h := "H1"
	if t.Month() > 6 {
		h = "H2"
	}
	return t.Format("2006-") + h
}

// countParts is how many demands the demo numbers from..to make: a demand
// naming two customers' accounts makes two.
func countParts(t *testing.T, now time.Time, from, to int) int {
	t.Helper()
	b := testGenerator(t, now)
	n := 0
	for i := from; i <= to; i++ {
		parts, err := b.demand(i)
		if err != nil {
			t.Fatal(err)
		}
		n += len(parts)
	}
	return n
}

// testGenerator is a bulk generator over the demo registry as a fresh
// store numbers it.
func testGenerator(t *testing.T, now time.Time) *bulkGenerator {
	t.Helper()
	st := storetest.SQLite(t, time.Now)
	ctx := context.Background()
	if _, err := Load(ctx, st, Options{Demands: 0, Now: now}); err != nil {
		t.Fatal(err)
	}
	agencyIDs, err := ensureAgencies(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	customerIDs, err := ensureCustomers(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	b, err := newBulkGenerator(ctx, st, &generator{st: st, now: now.UTC(), agencies: agencyIDs, customers: customerIDs})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBulkDemandsDependOnlyOnTheirNumber(t *testing.T) {
	now := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	b := testGenerator(t, now)
	for _, n := range []int{301, 4242, 999999} {
		first, err := b.demand(n)
		if err != nil {
			t.Fatal(err)
		}
		b.demand(n + 1)
		second, err := b.demand(n)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(first, second) {
			t.Fatalf("demand %d differs between two makings", n)
		}
	}
}

func TestProgressBarRedrawsInPlaceAFewTimesASecond(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	p := newProgress(&out, "demo:", 1000, func() time.Time { return clock })
	for range 100 { // 100 in 100 ms: one redraw
		clock = clock.Add(time.Millisecond)
		p.add(1)
	}
	if n := strings.Count(out.String(), "\r"); n != 1 {
		t.Fatalf("%d redraws in 100 ms, want 1: %q", n, out.String())
	}
	clock = clock.Add(900 * time.Millisecond)
	p.add(400)
	line := out.String()[strings.LastIndex(out.String(), "\r")+1:]
	for _, want := range []string{"[###############...............]", "50.0%", "500 of 1,000", "500/s", "ETA 1s"} {
		if !strings.Contains(line, want) {
			t.Errorf("line %q lacks %q", line, want)
		}
	}
	clock = clock.Add(time.Second)
	p.add(500)
	p.finish()
	if !strings.HasSuffix(out.String(), "\n") || !strings.Contains(out.String(), "100.0%  1,000 of 1,000  500/s  done in 2s") {
		t.Fatalf("final line: %q", out.String())
	}
}

func TestThousandsAndClock(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
	for d, want := range map[time.Duration]string{45 * time.Second: "45s", 187 * time.Second: "3m07s", 3720 * time.Second: "1h02m"} {
		if got := clock(d); got != want {
			t.Errorf("clock(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestWeightsCoverTheRegistry(t *testing.T) {
	if len(agencyWeights) != len(agencies()) || len(templates()) != len(agencies()) {
		t.Errorf("%d agency weights and %d template lists for %d agencies", len(agencyWeights), len(templates()), len(agencies()))
	}
	if len(customerWeights) != len(customers()) {
		t.Errorf("%d customer weights for %d customers", len(customerWeights), len(customers()))
	}
}
