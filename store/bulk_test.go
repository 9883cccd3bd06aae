package store_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"writ"
	"writ/store"
	"writ/store/storetest"
)

// deliver is the step of a scenario that records the notice's delivery by
// registered letter, a day after receipt (RecordDelivery, or an
// ImportedStep's Delivery).
const deliver writ.State = "notice-delivered"

// scenario is a demand and what happened to it, to be made once through
// the service methods and once through ImportDemands.
type scenario struct {
	name  string
	in    writ.DemandInput
	steps []writ.TransitionInput
	// approver makes these steps (approvals); the reviewer the others.
	approverSteps []int
}

func scenarios(f *storetest.Fixture) []scenario {
	warrant := func(accounts ...string) writ.DemandInput {
		in := storetest.Warrant(accounts...)
		in.AgencyID = f.AgencyUS.ID
		return in
	}
	review := []writ.TransitionInput{{To: writ.StateVerifying, Rationale: "checking"}, {To: writ.StateInReview, Rationale: "called back"}}
	then := func(more ...writ.TransitionInput) []writ.TransitionInput {
		return append(slices.Clone(review), more...)
	}
	approve := writ.TransitionInput{To: writ.StateApproved, Rationale: "sufficient"}
	closed := writ.TransitionInput{To: writ.StateClosed, Rationale: "done"}
	produce := func(categories ...string) writ.TransitionInput {
		return writ.TransitionInput{To: writ.StateDisclosed, Rationale: "produced", Disclosure: &writ.DisclosureInput{Categories: categories, Accounts: 1, Records: 7}}
	}
	challenge := writ.TransitionInput{To: writ.StateChallenged, Rationale: "conflict", Challenge: &writ.ChallengeInput{Grounds: "overbroad", Forum: "issuing court"}}

	gagged := warrant("joe@mail.example")
	gagged.Instrument, gagged.Citation, gagged.DataCategories = "us_2703d_order", "18 U.S.C. 2703(d)", []string{"subscriber", "traffic"}
	gagged.Nondisclosure = &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)", Until: "2027-06-30"}
	subpoena := warrant("jane@mail.example")
	subpoena.Instrument, subpoena.IssuedBy = "us_subpoena", "other"
	emergency := warrant("joe@mail.example")
	emergency.Instrument, emergency.IssuedBy, emergency.DataCategories = "us_emergency", "other", []string{"subscriber", "content"}
	emergency.Emergency = &writ.Emergency{Justification: "a child is missing"}
	unverified := warrant("joe@mail.example")
	unverified.AgencyID = f.AgencyUnverified.ID
	german := warrant("joe@mail.example")
	german.AgencyID, german.Instrument, german.IssuedBy, german.DataCategories = f.AgencyDE.ID, "eu_epoc", "judge", []string{"subscriber", "content"}
	five := 5.0
	german.OffenceMaxYears = &five
	narrow := approve
	narrow.Categories = []string{"subscriber"}
	due := storetest.Start.Add(10 * 24 * time.Hour)
	withDue := warrant("jane@mail.example")
	withDue.Due = &due

	return []scenario{
		{name: "received", in: warrant("joe@mail.example")},
		{name: "verifying", in: withDue, steps: review[:1]},
		{name: "in review", in: warrant("alice@acme.example"), steps: review},
		{name: "disclosed and closed", in: warrant("joe@mail.example"), steps: then(approve, writ.TransitionInput{To: writ.StateNoticed, Rationale: "told"},
			writ.TransitionInput{To: deliver}, produce("content"), closed), approverSteps: []int{2}},
		{name: "disclosed under a gag", in: gagged, steps: then(approve, produce("traffic"), closed), approverSteps: []int{2}},
		{name: "emergency", in: emergency, steps: then(approve, produce("subscriber")), approverSteps: []int{2}},
		{name: "narrowed", in: german, steps: then(narrow), approverSteps: []int{2}},
		{name: "redirected", in: warrant("anna@beispiel.example"), steps: then(writ.TransitionInput{To: writ.StateRedirected, Rationale: "customer first"}, closed)},
		{name: "rejected", in: subpoena, steps: then(writ.TransitionInput{To: writ.StateRejected, Rationale: "cannot compel content"}, closed)},
		{name: "no data", in: warrant("jane@mail.example"), steps: then(writ.TransitionInput{To: writ.StateNoData, Rationale: "none"}, closed)},
		{name: "challenge won", in: warrant("joe@mail.example"), steps: then(challenge, writ.TransitionInput{To: writ.StateClosed, ChallengeOutcome: "won", Rationale: "quashed"})},
		{name: "challenge lost", in: warrant("joe@mail.example"), steps: then(challenge, writ.TransitionInput{To: writ.StateApproved, ChallengeOutcome: "lost", Rationale: "upheld"},
			writ.TransitionInput{To: writ.StateNoticed, Rationale: "told"}), approverSteps: []int{3}},
		{name: "withdrawn", in: warrant("jane@mail.example"), steps: then(writ.TransitionInput{To: writ.StateClosed, Withdrawn: true, Rationale: "withdrawn by letter"})},
		{name: "unverified agency", in: unverified, steps: then(writ.TransitionInput{To: writ.StateRejected, Rationale: "unverified"}, closed)},
		{name: "split request", in: warrant("joe@mail.example", "anna@beispiel.example"), steps: review},
		{name: "an unheld account", in: warrant("nobody@nowhere.example"), steps: then(writ.TransitionInput{To: writ.StateNoData, Rationale: "none"}, closed)},
		{name: "split with an unheld account", in: warrant("ghost@nowhere.example", "joe@mail.example", "anna@beispiel.example"), steps: review},
	}
}

// opener opens migrated stores and remembers the last one's address, so
// that the test can read the rows it wrote.
type opener struct {
	postgres bool
	dsn      string
}

func (o *opener) open(t *testing.T, now func() time.Time) *store.Store {
	t.Helper()
	if o.postgres {
		o.dsn = storetest.PostgresSchema(t)
	} else {
		o.dsn = filepath.Join(t.TempDir(), "writ.db")
	}
	return storetest.OpenAt(t, o.dsn, now, nil)
}

// raw opens the store's database apart from the store, to read it.
func (o *opener) raw(t *testing.T) *sql.DB {
	t.Helper()
	return o.connect(t, "&_pragma=query_only(1)")
}

// writable opens the store's database for a change the store would not make.
func (o *opener) writable(t *testing.T) *sql.DB {
	t.Helper()
	return o.connect(t, "")
}

// connect opens the store's database, with SQLite's extra pragmas.
func (o *opener) connect(t *testing.T, pragmas string) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite", "file:"+o.dsn+"?_pragma=busy_timeout(10000)"+pragmas
	if o.postgres {
		driver, dsn = "pgx", o.dsn
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestImportEqualsServicePathSQLite(t *testing.T) { testImportEqualsServicePath(t, &opener{}) }

func TestImportEqualsServicePathPostgres(t *testing.T) {
	testImportEqualsServicePath(t, &opener{postgres: true})
}

// testImportEqualsServicePath makes each scenario's demand through intake,
// UpdateDemand and Transition, and again through ImportDemands, and
// requires the same records of both: demand, assessment, deadlines,
// notice, decisions, challenges and disclosure.
func testImportEqualsServicePath(t *testing.T, o *opener) {
	f := storetest.NewFixture(t, o.open)
	db := o.raw(t)
	ctx := context.Background()
	received := storetest.Start.Add(-30 * 24 * time.Hour)
	for _, sc := range scenarios(f) {
		t.Run(sc.name, func(t *testing.T) {
			in := sc.in
			in.Channel, in.ReceivedAt = "email", &received
			actorOf := func(i int) writ.Actor {
				if slices.Contains(sc.approverSteps, i) {
					return f.Approver
				}
				return f.Reviewer
			}

			// Through the service methods, with the callback confirmed
			// and the requester verified before review, as the team does.
			delivered := received.Add(24 * time.Hour)
			letter := &writ.DeliveryInput{Method: "registered_letter", Evidence: "RR 1 US", DeliveredAt: &delivered}
			first, _, err := f.Store.CreateDemand(ctx, f.Reviewer, in, "")
			if err != nil {
				t.Fatal(err)
			}
			served := append([]int64{first.ID}, first.Linked...)
			// A demand is disclosed through its package; the import
			// records the disclosure the package made.
			disclosedBy := map[int64]store.ImportedStep{}
			for _, id := range served {
				for i, step := range sc.steps {
					if step.To == writ.StateDisclosed {
						disclosedBy[id] = produceThrough(t, f, id, step)
						continue
					}
					if step.To == writ.StateInReview {
						yes := true
						if _, err := f.Store.UpdateDemand(ctx, f.Reviewer, id, writ.DemandPatch{RequesterVerified: &yes}); err != nil {
							t.Fatal(err)
						}
						if in.Emergency != nil {
							if _, err := f.Store.RecordCallback(ctx, f.Reviewer, id, writ.CallbackInput{Number: f.AgencyUS.Phone, Outcome: writ.CallbackConfirmed}); err != nil {
								t.Fatal(err)
							}
						}
					}
					if step.To == deliver {
						if _, err := f.Store.RecordDelivery(ctx, f.Reviewer, id, *letter); err != nil {
							t.Fatal(err)
						}
						continue
					}
					if _, err := f.Store.Transition(ctx, actorOf(i), id, step); err != nil {
						t.Fatalf("service path, step %d (%s): %v", i, step.To, err)
					}
				}
			}

			// Through the import, one part per customer.
			var batch []store.ImportedDemand
			for _, id := range served {
				d, err := f.Store.Demand(ctx, f.Admin, id)
				if err != nil {
					t.Fatal(err)
				}
				part := in
				part.Accounts = d.Accounts
				imp := store.ImportedDemand{Input: part, RecordedBy: f.Reviewer, SameRequest: len(batch) > 0,
					RequesterVerified: slices.ContainsFunc(sc.steps, func(s writ.TransitionInput) bool { return s.To == writ.StateInReview })}
				if in.Emergency != nil {
					imp.Callback = &writ.Callback{Number: f.AgencyUS.Phone, By: f.Reviewer.Name, At: storetest.Start}
				}
				for i, step := range sc.steps {
					s := store.ImportedStep{Actor: actorOf(i), At: storetest.Start, Transition: step}
					switch step.To {
					case deliver:
						s = store.ImportedStep{Actor: f.Reviewer, At: storetest.Start, Delivery: letter}
					case writ.StateDisclosed:
						s = disclosedBy[id]
					}
					imp.History = append(imp.History, s)
				}
				batch = append(batch, imp)
			}
			imported, err := f.Store.ImportDemands(ctx, f.Admin, batch)
			if err != nil {
				t.Fatal(err)
			}
			for i := range served {
				want, got := records(t, db, served[i]), records(t, db, imported[i])
				for _, table := range slices.Sorted(func(yield func(string) bool) {
					for k := range want {
						if !yield(k) {
							return
						}
					}
				}) {
					if !slices.Equal(want[table], got[table]) {
						t.Errorf("part %d, %s:\nservice path %q\nimport       %q", i, table, want[table], got[table])
					}
				}
			}
			// The parts of a split request are linked, as intake links them.
			if len(served) > 1 {
				d, err := f.Store.Demand(ctx, f.Admin, imported[0])
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(d.Linked, imported[1:]) {
					t.Errorf("imported parts linked to %v, want %v", d.Linked, imported[1:])
				}
			}
		})
	}
}

// records reads what the store keeps about a demand, table by table, each
// row as text, leaving out ids and the times of writing.
func records(t *testing.T, db *sql.DB, id int64) map[string][]string {
	t.Helper()
	queries := map[string]string{
		"demands": `SELECT reference, agency_id, customer_id, submitted_by, channel, received_at, requester, requester_verified,
			instrument, citation, issued_by, validated_by, offence_max_years, offence_listed, offence_in_issuing_state, subject_residence,
			data_categories, accounts, range_from, range_to, due, ndo, ndo_basis, ndo_until, emergency, emergency_justification,
			emergency_callback, customer_first_exception, state, outcome, assignee_id, reviewer_id, customer_visible_from, route,
			next_deadline, next_deadline_code, urgent, response_target, flags, authority_country, callback_number, callback_by, callback_at
			FROM demands WHERE id = $1`,
		"demand_accounts": `SELECT account FROM demand_accounts WHERE demand_id = $1 ORDER BY account`,
		"assessments":     `SELECT rulebook, body FROM assessments WHERE demand_id = $1`,
		"deadlines":       `SELECT code, due, status FROM deadlines WHERE demand_id = $1 ORDER BY code`,
		"notices":         `SELECT timing, state, send_at, until, reason, given_at, given_via FROM notices WHERE demand_id = $1`,
		"callbacks":       `SELECT number, outcome, by_name, at FROM callbacks WHERE demand_id = $1 ORDER BY id`,
		"decisions":       `SELECT kind, categories, rationale, decided_by, approved_by, at FROM decisions WHERE demand_id = $1 ORDER BY id`,
		"challenges":      `SELECT grounds, forum, filed_at, deadline, outcome FROM challenges WHERE demand_id = $1 ORDER BY id`,
		"disclosures":     `SELECT categories, accounts, records, package_sha256, disclosed_by, at FROM disclosures WHERE demand_id = $1`,
	}
	out := map[string][]string{}
	for table, q := range queries {
		rows, err := db.Query(q, id)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			values := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range values {
				ptrs[i] = &values[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, v := range values {
				if tm, ok := v.(time.Time); ok {
					v = tm.UTC()
				}
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%s=%v ", cols[i], v)
			}
			out[table] = append(out[table], b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	if len(out["demands"]) != 1 || len(out["assessments"]) != 1 || len(out["notices"]) != 1 {
		t.Fatalf("demand %d: %d demand rows, %d assessments, %d notices; want one of each", id, len(out["demands"]), len(out["assessments"]), len(out["notices"]))
	}
	return out
}

func TestImportRefusesImpossibleHistories(t *testing.T) {
	f := storetest.NewFixture(t, storetest.SQLite)
	ctx := context.Background()
	now := storetest.Start
	old, recent := now.Add(-30*24*time.Hour), now.Add(-2*24*time.Hour)
	demand := func(received time.Time, accounts ...string) writ.DemandInput {
		in := storetest.Warrant(accounts...)
		in.AgencyID, in.Channel, in.ReceivedAt = f.AgencyUS.ID, "email", &received
		return in
	}
	step := func(actor writ.Actor, at time.Time, in writ.TransitionInput) store.ImportedStep {
		if in.Rationale == "" {
			in.Rationale = "because"
		}
		return store.ImportedStep{Actor: actor, At: at, Transition: in}
	}
	reviewed := func(received time.Time, reviewer writ.Actor) []store.ImportedStep {
		return []store.ImportedStep{step(reviewer, received, writ.TransitionInput{To: writ.StateVerifying}), step(reviewer, received, writ.TransitionInput{To: writ.StateInReview})}
	}
	fine := store.ImportedDemand{Input: demand(old, "joe@mail.example"), RequesterVerified: true, History: reviewed(old, f.Reviewer)}
	unreceived := demand(old, "joe@mail.example")
	unreceived.ReceivedAt = nil
	produce := writ.TransitionInput{To: writ.StateDisclosed, Disclosure: &writ.DisclosureInput{Categories: []string{"content"}, Accounts: 1}}
	cases := []struct {
		name        string
		actor       writ.Actor
		bad         store.ImportedDemand
		code, field string
	}{
		{"a reviewer may not import", f.Reviewer, fine, writ.EFORBIDDEN, ""},
		{"the reviewer approves", f.Admin, store.ImportedDemand{Input: demand(old, "joe@mail.example"), RequesterVerified: true,
			History: append(reviewed(old, f.Reviewer), step(f.Reviewer, now, writ.TransitionInput{To: writ.StateApproved}))}, writ.EFORBIDDEN, "demands[1].history[2]"},
		{"disclosed before the objection window ends", f.Admin, store.ImportedDemand{Input: demand(recent, "joe@mail.example"), RequesterVerified: true,
			History: append(reviewed(recent, f.Reviewer), step(f.Approver, recent, writ.TransitionInput{To: writ.StateApproved}),
				step(f.Reviewer, recent, writ.TransitionInput{To: writ.StateNoticed}), step(f.Reviewer, recent.Add(time.Hour), produce))}, writ.ECONFLICT, "demands[1].history[4]"},
		{"closed from approval without a withdrawal", f.Admin, store.ImportedDemand{Input: demand(old, "joe@mail.example"), RequesterVerified: true,
			History: append(reviewed(old, f.Reviewer), step(f.Approver, old, writ.TransitionInput{To: writ.StateApproved}),
				step(f.Reviewer, old, writ.TransitionInput{To: writ.StateClosed}))}, writ.ECONFLICT, "demands[1].history[3]"},
		{"a step in the future", f.Admin, store.ImportedDemand{Input: demand(old, "joe@mail.example"),
			History: []store.ImportedStep{step(f.Reviewer, now.Add(time.Hour), writ.TransitionInput{To: writ.StateVerifying})}}, writ.EINVALID, "demands[1].history[0].at"},
		{"a step before receipt", f.Admin, store.ImportedDemand{Input: demand(old, "joe@mail.example"),
			History: []store.ImportedStep{step(f.Reviewer, old.Add(-time.Hour), writ.TransitionInput{To: writ.StateVerifying})}}, writ.EINVALID, "demands[1].history[0].at"},
		{"accounts of two customers", f.Admin, store.ImportedDemand{Input: demand(old, "joe@mail.example", "anna@beispiel.example")}, writ.EINVALID, "demands[1].accounts[1]"},
		{"a call-back to another number", f.Admin, store.ImportedDemand{Input: func() writ.DemandInput {
			in := demand(old, "joe@mail.example")
			in.Instrument, in.IssuedBy, in.Emergency = "us_emergency", "other", &writ.Emergency{Justification: "danger"}
			return in
		}(), Callback: &writ.Callback{Number: "+1 555 9999", At: old}}, writ.EINVALID, "demands[1].callback.number"},
		{"a disclosure before the notice was delivered", f.Admin, store.ImportedDemand{Input: demand(old, "joe@mail.example"), RequesterVerified: true,
			History: append(reviewed(old, f.Reviewer), step(f.Approver, old, writ.TransitionInput{To: writ.StateApproved}),
				step(f.Reviewer, old, writ.TransitionInput{To: writ.StateNoticed}), step(f.Reviewer, now, produce))}, writ.ECONFLICT, "demands[1].history[4]"},
		{"no time of receipt", f.Admin, store.ImportedDemand{Input: unreceived}, writ.EINVALID, "demands[1].received_at"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.Store.ImportDemands(ctx, c.actor, []store.ImportedDemand{fine, c.bad})
			if writ.ErrorCode(err) != c.code || writ.ErrorField(err) != c.field {
				t.Fatalf("got %v (code %s, field %q), want code %s, field %q", err, writ.ErrorCode(err), writ.ErrorField(err), c.code, c.field)
			}
			page, err := f.Store.Demands(ctx, f.Admin, writ.DemandFilter{})
			if err != nil || len(page.Items) != 0 {
				t.Fatalf("a refused batch left %d demands (%v)", len(page.Items), err)
			}
		})
	}
}

func TestImportManySQLite(t *testing.T) { testImportMany(t, &opener{}) }

func TestImportManyPostgres(t *testing.T) { testImportMany(t, &opener{postgres: true}) }

// testImportMany imports batches large enough to take several multi-row
// statements per table, then reads them back through the service methods.
func testImportMany(t *testing.T, o *opener) {
	f := storetest.NewFixture(t, o.open)
	ctx := context.Background()
	all := scenarios(f)
	var batch []store.ImportedDemand
	want := map[writ.State]int{}
	for n := 0; len(batch) < 2500; n++ {
		sc := all[n%len(all)]
		if strings.HasPrefix(sc.name, "split") {
			continue
		}
		received := storetest.Start.Add(-time.Duration(30+n%3000) * 24 * time.Hour)
		if strings.HasPrefix(sc.in.Instrument, "eu_") {
			// European orders exist only since the Regulation applied.
			received = storetest.Start.Add(-time.Duration(30+n%60) * 24 * time.Hour)
		}
		in := sc.in
		in.Channel, in.ReceivedAt, in.Reference = "mail", &received, fmt.Sprintf("BULK-%05d", n)
		imp := store.ImportedDemand{Input: in, RequesterVerified: len(sc.steps) > 1}
		for i, step := range sc.steps {
			actor := f.Reviewer
			if slices.Contains(sc.approverSteps, i) {
				actor = f.Approver
			}
			s := store.ImportedStep{Actor: actor, At: received.Add(time.Duration(i+1) * 3 * 24 * time.Hour), Transition: step}
			if step.To == deliver {
				delivered := received.Add(24 * time.Hour)
				s.Transition, s.Delivery = writ.TransitionInput{}, &writ.DeliveryInput{Method: "registered_letter", Evidence: "RR 2 US", DeliveredAt: &delivered}
			}
			imp.History = append(imp.History, s)
		}
		if in.Emergency != nil && imp.RequesterVerified {
			imp.Callback = &writ.Callback{Number: f.AgencyUS.Phone, By: "Rhea", At: received}
		}
		batch = append(batch, imp)
		state := writ.StateReceived
		if len(sc.steps) > 0 {
			state = sc.steps[len(sc.steps)-1].To
		}
		want[state]++
	}
	var ids []int64
	for start := 0; start < len(batch); start += 2000 {
		got, err := f.Store.ImportDemands(ctx, f.Admin, batch[start:min(start+2000, len(batch))])
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got...)
	}
	if len(ids) != len(batch) || !slices.IsSorted(ids) || ids[0] == ids[len(ids)-1] {
		t.Fatalf("ids %d…%d (%d), want %d increasing", ids[0], ids[len(ids)-1], len(ids), len(batch))
	}
	for _, state := range writ.States() {
		n := 0
		for cursor := ""; ; {
			page, err := f.Store.Demands(ctx, f.Auditor, writ.DemandFilter{State: state, Limit: 500, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range page.Items {
				if (d.State == writ.StateClosed) != (d.Outcome != "") || d.State != state {
					t.Fatalf("demand %d is %s with outcome %q", d.ID, d.State, d.Outcome)
				}
			}
			n += len(page.Items)
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		if n != want[state] {
			t.Errorf("%d demands in state %s, want %d", n, state, want[state])
		}
	}
	// A sample's stored assessment is the rulebook's for the demand as it
	// stands, and the demand has its one event.
	for _, id := range []int64{ids[0], ids[len(ids)/3], ids[len(ids)-1]} {
		d, err := f.Store.Demand(ctx, f.Admin, id)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(f.Store.Rules().Assess(storetest.StoredCase(t, f.Store, d)))
		got, err := f.Store.Assessment(ctx, f.Auditor, id)
		if err != nil || string(got) != string(want) {
			t.Fatalf("demand %d: stored assessment\n%s (%v)\nwant\n%s", id, got, err, want)
		}
		events, err := f.Store.DemandEvents(ctx, f.Auditor, id, "", 10)
		if err != nil || len(events.Items) != 1 || events.Items[0].Kind != "demand.imported" {
			t.Fatalf("demand %d: events %+v (%v), want one demand.imported", id, events.Items, err)
		}
	}
	// Filters and sorting reach the imported demands.
	page, err := f.Store.Demands(ctx, f.Admin, writ.DemandFilter{Text: "bulk-00042", Limit: 5})
	if err != nil || len(page.Items) != 1 || page.Items[0].Reference != "BULK-00042" {
		t.Fatalf("text search: %+v (%v)", page.Items, err)
	}
	page, err = f.Store.Demands(ctx, f.Admin, writ.DemandFilter{Sort: "deadline", Limit: 20})
	if err != nil || len(page.Items) != 20 {
		t.Fatalf("by deadline: %d items (%v)", len(page.Items), err)
	}
	for i := 1; i < len(page.Items); i++ {
		a, b := page.Items[i-1].NextDeadline, page.Items[i].NextDeadline
		if a == nil || b != nil && b.Before(*a) {
			t.Fatalf("by deadline out of order at %d: %v then %v", i, a, b)
		}
	}
	page, err = f.Store.Demands(ctx, f.CustomerUserEnterprise, writ.DemandFilter{Limit: 500})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("the enterprise customer sees %d of its redirected demands (%v)", len(page.Items), err)
	}
	for _, d := range page.Items {
		if d.CustomerID != f.Enterprise.ID {
			t.Fatalf("customer user sees demand %d of customer %d", d.ID, d.CustomerID)
		}
	}
}

// produceThrough discloses a demand as the legal team does, with a
// one-file package of the step's categories and records, and returns the
// step that imports the same disclosure: its counts and package digest,
// by the signer of the certificate when the package needed one.
func produceThrough(t *testing.T, f *storetest.Fixture, id int64, step writ.TransitionInput) store.ImportedStep {
	t.Helper()
	d, err := f.Store.Demand(context.Background(), f.Reviewer, id)
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("produced\n")
	p := f.Deliver(t, id, writ.ProductionInput{Scope: writ.ProductionScope{Accounts: d.Accounts, Categories: step.Disclosure.Categories, DateRange: d.DateRange},
		Files: []writ.ProductionUpload{{Name: "package.csv", Content: content}}, Records: step.Disclosure.Records, Rationale: step.Rationale})
	manifest := sha256.Sum256([]byte(p.Files[0].SHA256 + "  package.csv\n"))
	step.Disclosure = &writ.DisclosureInput{Categories: step.Disclosure.Categories, Accounts: len(d.Accounts), Records: step.Disclosure.Records,
		PackageSHA256: hex.EncodeToString(manifest[:])}
	actor := f.Reviewer
	if p.Certificate != nil {
		actor = f.Approver
	}
	return store.ImportedStep{Actor: actor, At: storetest.Start, Transition: step}
}
