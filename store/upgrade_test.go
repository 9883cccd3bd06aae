package store_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"writ"
	"writ/casework"
	"writ/rules"
	"writ/sealing"
	"writ/store"
	"writ/store/storetest"
)

// The upgrade from rulebook v1: a database made by the last release's
// "writ demo" (testdata/v1demo, made by make.sh there), upgraded by this
// code, has its open demands assessed under v2 with an event naming both
// versions, its closed demands untouched, its customers' v1
// "customer_managed" mapped to customer_held and marked unconfirmed, and an
// audit log that still verifies.

func TestUpgradeFromRulebookV1SQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "writ.db")
	if err := os.WriteFile(path, gunzip(t, "testdata/v1demo/writ.db.gz"), 0o600); err != nil {
		t.Fatal(err)
	}
	testUpgradeFromV1(t, path)
}

func TestUpgradeFromRulebookV1Postgres(t *testing.T) {
	dsn := storetest.PostgresSchema(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(string(gunzip(t, "testdata/v1demo/postgres.sql.gz"))); err != nil {
		t.Fatalf("loading the v1 dump: %v", err)
	}
	testUpgradeFromV1(t, dsn)
}

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// v1State is what the upgrade must keep or change, read before it.
type v1State struct {
	closed, open  map[int64]string // demand id → stored assessment (closed) or rulebook version (open)
	custody       map[int64]string // customer id → key custody
	logSize       int64
	eventsPerKind map[string]int
	jobs          map[int64]v1Job // writ's own queue, which River replaces
}

type v1Job struct {
	kind, subject, state string
	demand               int64
}

func readV1State(t *testing.T, dsn string) v1State {
	t.Helper()
	driver := "sqlite"
	if !isSQLitePath(dsn) {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := v1State{closed: map[int64]string{}, open: map[int64]string{}, custody: map[int64]string{}, eventsPerKind: map[string]int{},
		jobs: map[int64]v1Job{}}
	rows, err := db.Query(`SELECT d.id, d.state, a.rulebook, a.body FROM demands d JOIN assessments a ON a.demand_id = d.id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var state, version, body string
		if err := rows.Scan(&id, &state, &version, &body); err != nil {
			t.Fatal(err)
		}
		if version != "v1" {
			t.Fatalf("demand %d of the v1 fixture was assessed under %s", id, version)
		}
		if state == "closed" {
			st.closed[id] = body
		} else {
			st.open[id] = version
		}
	}
	rows.Close()
	rows, err = db.Query(`SELECT id, key_custody FROM customers`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var custody string
		if err := rows.Scan(&id, &custody); err != nil {
			t.Fatal(err)
		}
		st.custody[id] = custody
	}
	rows.Close()
	if err := db.QueryRow(`SELECT count(*) FROM events`).Scan(&st.logSize); err != nil {
		t.Fatal(err)
	}
	rows, err = db.Query(`SELECT id, kind, subject, state, demand_id FROM jobs`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var j v1Job
		if err := rows.Scan(&id, &j.kind, &j.subject, &j.state, &j.demand); err != nil {
			t.Fatal(err)
		}
		st.jobs[id] = j
	}
	rows.Close()
	return st
}

func isSQLitePath(dsn string) bool { return filepath.IsAbs(dsn) }

func testUpgradeFromV1(t *testing.T, dsn string) {
	ctx := context.Background()
	before := readV1State(t, dsn)
	if len(before.open) == 0 || len(before.closed) == 0 {
		t.Fatalf("the fixture has %d open and %d closed demands; it needs both", len(before.open), len(before.closed))
	}
	mapped := 0
	for _, c := range before.custody {
		if c == "customer_managed" {
			mapped++
		}
	}
	if mapped == 0 {
		t.Fatal("the fixture has no v1 customer_managed customer to map")
	}

	rb, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := sealing.LoadOrCreateKeys(filepath.Join(t.TempDir(), "documents.key"))
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC) }
	st, err := store.Open(ctx, dsn, store.Options{Rules: rb, Assessor: casework.NewAssessor(rb), DocumentKeys: keys, Now: now, Jobs: storetest.Jobs(t, dsn, now)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	if len(applied) == 0 || applied[0] != "0010_rulebook_v2.sql" {
		t.Fatalf("applied %v, want the rulebook v2 migration first", applied)
	}
	// Starting again changes nothing more.
	size, err := st.LogSize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := st.Migrate(ctx); err != nil || len(again) != 0 {
		t.Fatalf("a second start applied %v (%v)", again, err)
	}
	if size2, _ := st.LogSize(ctx); size2 != size {
		t.Fatalf("a second start grew the log from %d to %d entries", size, size2)
	}

	admin := writ.System()
	// Customers: v1 customer_managed is v2 customer_held, unconfirmed; the
	// others keep their custody, confirmed.
	for id, custody := range before.custody {
		c, err := st.Customer(ctx, admin, id)
		if err != nil {
			t.Fatal(err)
		}
		switch custody {
		case "customer_managed":
			if c.KeyCustody != "customer_held" || c.KeyCustodyConfirmed {
				t.Errorf("customer %d: %s, confirmed %v; want customer_held, unconfirmed", id, c.KeyCustody, c.KeyCustodyConfirmed)
			}
		default:
			if c.KeyCustody != custody || !c.KeyCustodyConfirmed {
				t.Errorf("customer %d: %s, confirmed %v; want %s, confirmed", id, c.KeyCustody, c.KeyCustodyConfirmed, custody)
			}
		}
	}
	// Open demands: assessed under v2, each with its event; closed ones:
	// byte for byte what v1 stored, with no such event.
	for id := range before.open {
		d, err := st.Demand(ctx, admin, id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.Assessment(ctx, admin, id)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(rb.Assess(storetest.StoredCase(t, st, d)))
		if !bytes.Equal(got, want) {
			t.Errorf("demand %d: stored assessment\n%s\nwant v2's\n%s", id, got, want)
		}
		ev := reassessedEvent(t, st, id)
		if ev == nil || ev["rulebook_from"] != "v1" || ev["rulebook_to"] != "v2" {
			t.Errorf("demand %d: reassessment event %v", id, ev)
		}
	}
	for id, body := range before.closed {
		got, err := st.Assessment(ctx, admin, id)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != body {
			t.Errorf("closed demand %d: assessment changed", id)
		}
		if ev := reassessedEvent(t, st, id); ev != nil {
			t.Errorf("closed demand %d was reassessed: %v", id, ev)
		}
	}
	// The log: every mapping and reassessment appended, and the whole
	// log, old and new entries, recomputes to a fresh checkpoint.
	if want := before.logSize + int64(mapped+len(before.open)); size < want {
		t.Errorf("log size %d, want at least %d (the v1 log, %d mappings, %d reassessments)", size, want, mapped, len(before.open))
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, "writ-upgrade-test")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := st.IssueCheckpoint(ctx, signer)
	if err != nil {
		t.Fatal(err)
	}
	v, err := st.VerifyLog(ctx, verifier, signed)
	if err != nil || v.Size != size || v.Checkpoint.Size != size {
		t.Fatalf("log verification: %+v, %v", v, err)
	}

	testJobsCarriedOver(t, st, before)
	testUnconfirmedCustody(t, st, before)
}

// testJobsCarriedOver: every job of writ's own queue is in River's under
// its id (so its letters keep their Message-ID), of its kind and subject;
// a finished one as it ended, one that waited waiting still, unless the
// reassessment under v2 replaced it with another job of the same subject.
// River's ids continue after the old ones.
func testJobsCarriedOver(t *testing.T, st *store.Store, before v1State) {
	ctx := context.Background()
	admin := writ.System()
	if len(before.jobs) == 0 {
		t.Fatal("the fixture has no jobs to carry over")
	}
	perDemand := map[int64][]writ.Job{}
	var last int64
	waiting := 0
	for id, old := range before.jobs {
		last = max(last, id)
		jobs, ok := perDemand[old.demand]
		if !ok {
			var err error
			if jobs, err = st.DemandJobs(ctx, admin, old.demand); err != nil {
				t.Fatal(err)
			}
			perDemand[old.demand] = jobs
		}
		i := slices.IndexFunc(jobs, func(j writ.Job) bool { return j.ID == id })
		if i < 0 {
			t.Errorf("job %d (%s %s) was not carried over", id, old.kind, old.subject)
			continue
		}
		j := jobs[i]
		if j.Kind != old.kind || j.Subject != old.subject {
			t.Errorf("job %d is %s %s, was %s %s", id, j.Kind, j.Subject, old.kind, old.subject)
		}
		switch {
		case old.state != "available" && j.State != old.state:
			t.Errorf("job %d ended %s and is %s now", id, old.state, j.State)
		case old.state == "available" && j.State == "available":
			waiting++
		case old.state == "available" && !slices.ContainsFunc(jobs, func(x writ.Job) bool {
			return x.ID != id && x.Kind == j.Kind && x.Subject == j.Subject && x.State != "cancelled"
		}) && j.State != "cancelled":
			t.Errorf("waiting job %d is %s now with nothing in its place", id, j.State)
		}
	}
	if waiting == 0 {
		t.Error("no waiting job is waiting still")
	}
	fresh := 0
	for _, jobs := range perDemand {
		for _, x := range jobs {
			if _, old := before.jobs[x.ID]; !old {
				fresh++
				if x.ID <= last {
					t.Errorf("new job %d (%s %s) has an id of the old queue's range", x.ID, x.Kind, x.Subject)
				}
			}
		}
	}
	if fresh == 0 {
		t.Error("the reassessment under v2 enqueued no job: nothing shows where River's ids start")
	}
	var n int
	if err := store.QueryRaw(st, `SELECT count(*) FROM schema_migrations WHERE version = 13`, &n); err != nil || n != 1 {
		t.Fatalf("migration 0013: %d, %v", n, err)
	}
	if err := store.QueryRaw(st, `SELECT count(*) FROM jobs`, &n); err == nil {
		t.Fatal("the old queue's table is still there")
	}
}

// testUnconfirmedCustody: a demand for the content of a customer whose v1
// custody was mapped cannot be answered "no data" (content unavailable)
// until an admin confirms the custody; confirming reassesses the customer's
// open demands, and reclassifying as customer_managed (BYOK) makes content
// disclosable.
func testUnconfirmedCustody(t *testing.T, st *store.Store, before v1State) {
	ctx := context.Background()
	actor := func(email string) writ.Actor {
		u, err := st.UserByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return writ.ActorOf(u)
	}
	admin, reviewer := actor("admin@provider.example"), actor("reviewer@provider.example")
	var customer writ.Customer
	for id, custody := range before.custody {
		c, err := st.Customer(ctx, admin, id)
		if err != nil {
			t.Fatal(err)
		}
		if custody == "customer_managed" && len(c.Accounts) > 0 {
			customer = c
			break
		}
	}
	if customer.ID == 0 {
		t.Fatal("the fixture has no mapped customer with accounts")
	}
	agencies, err := st.Agencies(ctx, admin, writ.AgencyFilter{Country: "US"})
	if err != nil || len(agencies.Items) == 0 {
		t.Fatalf("no US agency: %v", err)
	}
	in := storetest.Warrant(customer.Accounts[0])
	in.AgencyID, in.Channel, in.CustomerFirstException = agencies.Items[0].ID, "mail", "customer_complicit"
	d, _, err := st.CreateDemand(ctx, reviewer, in, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []writ.State{writ.StateVerifying, writ.StateInReview} {
		if d, err = st.Transition(ctx, reviewer, d.ID, writ.TransitionInput{To: to, Rationale: "checked"}); err != nil {
			t.Fatalf("to %s: %v", to, err)
		}
	}
	if !slices.Contains(d.Flags, "CONTENT_TECHNICALLY_UNAVAILABLE") {
		t.Fatalf("flags %v, want content unavailable under customer-held keys", d.Flags)
	}
	_, err = st.Transition(ctx, reviewer, d.ID, writ.TransitionInput{To: writ.StateNoData, Rationale: "content is encrypted"})
	if writ.ErrorCode(err) != writ.ECONFLICT {
		t.Fatalf("no_data on an unconfirmed custody: %v, want ECONFLICT", err)
	}
	if _, err := st.SetKeyCustody(ctx, reviewer, customer.ID, "customer_held"); writ.ErrorCode(err) != writ.EFORBIDDEN {
		t.Fatalf("a reviewer set the custody: %v", err)
	}
	// The admin finds the key is in the provider's key service (BYOK):
	// content is accessible after all, and the open demand follows.
	c, err := st.SetKeyCustody(ctx, admin, customer.ID, "customer_managed")
	if err != nil || c.KeyCustody != "customer_managed" || !c.KeyCustodyConfirmed {
		t.Fatalf("reclassify: %+v %v", c, err)
	}
	if d, err = st.Demand(ctx, admin, d.ID); err != nil || slices.Contains(d.Flags, "CONTENT_TECHNICALLY_UNAVAILABLE") {
		t.Fatalf("after reclassifying, flags %v (%v), want content available", d.Flags, err)
	}
	if ev := reassessedEvent(t, st, d.ID); ev == nil || ev["reason"] != "the customer's key custody was set" {
		t.Fatalf("reassessment event %v", ev)
	}
}

// reassessedEvent returns the data of a demand's demand.reassessed event, or nil.
func reassessedEvent(t *testing.T, st *store.Store, id int64) map[string]any {
	t.Helper()
	page, err := st.DemandEvents(context.Background(), writ.System(), id, "", 500)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range page.Items {
		if e.Kind == "demand.reassessed" {
			var data map[string]any
			if err := json.Unmarshal(e.Data, &data); err != nil {
				t.Fatal(err)
			}
			return data
		}
	}
	return nil
}
