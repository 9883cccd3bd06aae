// Command intake measures how fast demands are taken in, two ways:
//
//	intake http -url URL -token TOKEN  concurrent clients POST /v1/demands to a running writ
//	intake raw  -db PATH|URL           the same rows written straight into a fresh database
//	intake pgdb -db URL -name NAME     (re)create an empty PostgreSQL database, print its URL
//	                                    (with -keep, create it only if it is missing)
//
// Both run -clients workers for -duration, -runs times, and print one
// JSON object with a result per run. The raw writers are the ceiling writ's
// intake is held against: each commits one transaction per demand with the
// rows that intake leaves for it, at the durability writ runs with (SQLite
// in WAL mode with synchronous=FULL; PostgreSQL with its default
// synchronous_commit=on), including the jobs intake queues (the notice
// letter, deadline reminders), but without anything writ does besides: HTTP,
// authentication, validation, reading the registry, assessing, the
// idempotency check, and the lock on the audit log's head that orders
// every event.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	_ "modernc.org/sqlite"

	"writ"
	"writ/casework"
	"writ/demo"
	"writ/notify"
	"writ/rules"
	"writ/sealing"
	"writ/store"
)

// submission is one kind of demand the benchmark's agency sends: the FBI
// (the demo agency user's agency) about accounts of the demo registry.
type submission struct {
	Instrument     string              `json:"instrument"`
	IssuedBy       string              `json:"issued_by"`
	Citation       string              `json:"citation"`
	DataCategories []string            `json:"data_categories"`
	Accounts       []string            `json:"accounts"`
	Nondisclosure  *writ.Nondisclosure `json:"nondisclosure,omitempty"`
}

var submissions = []submission{
	{Instrument: "us_search_warrant", IssuedBy: "judge", Citation: "18 U.S.C. 2703(a)", DataCategories: []string{"content"}, Accounts: []string{"jdoe1987@mail.example"}},
	{Instrument: "us_2703d_order", IssuedBy: "judge", Citation: "18 U.S.C. 2703(d)", DataCategories: []string{"subscriber", "traffic"}, Accounts: []string{"skater.girl@mail.example"},
		Nondisclosure: &writ.Nondisclosure{Basis: "18 U.S.C. 2705(b)", Until: "2027-06-30"}},
	{Instrument: "us_subpoena", IssuedBy: "other", Citation: "18 U.S.C. 2703(c)(2)", DataCategories: []string{"subscriber"}, Accounts: []string{"trucker77@mail.example"}},
	{Instrument: "us_search_warrant", IssuedBy: "judge", Citation: "18 U.S.C. 2703(a)", DataCategories: []string{"content", "subscriber"}, Accounts: []string{"alice@acme.example", "bob@acme.example"}},
}

// agencyEmail is the demo agency user, who submits every demand.
const agencyEmail = "d.scully@fbi.gov"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: intake http|raw|pgdb [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	base := fs.String("url", "", "writ's address (http)")
	token := fs.String("token", "", "the agency user's API token (http)")
	db := fs.String("db", "", "a SQLite path or postgres:// URL (raw, pgdb)")
	name := fs.String("name", "", "the database to recreate (pgdb)")
	keep := fs.Bool("keep", false, "keep the database if it exists (pgdb)")
	clients := fs.Int("clients", 8, "concurrent clients or writers")
	duration := fs.Duration("duration", 10*time.Second, "how long each run lasts")
	runs := fs.Int("runs", 3, "how many runs")
	logLock := fs.Bool("log-lock", false, "raw: also take and move the audit log's head in each transaction, as writ does")
	fs.Parse(os.Args[2:])
	ctx := context.Background()
	var err error
	switch os.Args[1] {
	case "http":
		err = runHTTP(ctx, *base, *token, *clients, *duration, *runs)
	case "raw":
		err = runRaw(ctx, *db, *clients, *duration, *runs, *logLock)
	case "pgdb":
		err = recreateDatabase(ctx, *db, *name, *keep)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "intake:", err)
		os.Exit(1)
	}
}

// run is one run's result.
type run struct {
	Accepted int     `json:"accepted"`
	Errors   int     `json:"errors"`
	Seconds  float64 `json:"seconds"`
	PerSec   float64 `json:"per_second"`
	P50ms    float64 `json:"p50_ms,omitempty"`
	P95ms    float64 `json:"p95_ms,omitempty"`
	P99ms    float64 `json:"p99_ms,omitempty"`
	// FirstError is the first failure, to tell a slow run from a broken one.
	FirstError string `json:"first_error,omitempty"`
}

// workers runs clients copies of one for d and collects what they report:
// one returns how long its operation took, or an error.
func workers(clients int, d time.Duration, one func(worker, i int) (time.Duration, error)) run {
	var mu sync.Mutex
	var r run
	var latencies []time.Duration
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			errs, first := 0, ""
			for i := 0; time.Now().Before(deadline); i++ {
				took, err := one(w, i)
				if err != nil {
					if errs == 0 {
						first = err.Error()
					}
					errs++
					continue
				}
				mine = append(mine, took)
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			r.Errors += errs
			if r.FirstError == "" {
				r.FirstError = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	r.Seconds = time.Since(start).Seconds()
	r.Accepted = len(latencies)
	r.PerSec = float64(r.Accepted) / r.Seconds
	slices.Sort(latencies)
	r.P50ms, r.P95ms, r.P99ms = quantile(latencies, 0.50), quantile(latencies, 0.95), quantile(latencies, 0.99)
	return r
}

func quantile(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return float64(sorted[i].Microseconds()) / 1000
}

func emit(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// runHTTP posts demands as the agency user, each with its own reference
// and Idempotency-Key, and counts those answered 201 Created.
func runHTTP(ctx context.Context, base, token string, clients int, d time.Duration, runs int) error {
	if base == "" || token == "" {
		return errors.New("http needs -url and -token")
	}
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	var results []run
	for r := range runs {
		res := workers(clients, d, func(w, i int) (time.Duration, error) {
			s := submissions[(w+i)%len(submissions)]
			body, _ := json.Marshal(struct {
				Reference string `json:"reference"`
				submission
			}{fmt.Sprintf("BENCH-%d-%d-%d-%d", time.Now().Unix(), r, w, i), s})
			req, err := http.NewRequestWithContext(ctx, "POST", base+"/v1/demands", bytes.NewReader(body))
			if err != nil {
				return 0, err
			}
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d-%d-%d-%d", time.Now().UnixNano(), r, w, i))
			start := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				return 0, err
			}
			answer, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			took := time.Since(start)
			if resp.StatusCode != http.StatusCreated {
				return 0, fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(answer))
			}
			return took, nil
		})
		results = append(results, res)
	}
	return emit(map[string]any{"mode": "http", "clients": clients, "duration_s": d.Seconds(), "runs": results})
}

// rawDemand is the rows intake leaves for one submission.
type rawDemand struct {
	demand      []any // the demands row, less its reference
	accounts    []string
	assessment  string
	deadlines   []rules.Deadline
	timing      string
	noticeState string
	sendAt      *time.Time
	event       string
}

// runRaw sets up a database with writ's schema and the demo registry
// (unless an earlier run did), works out the rows of each submission with writ's own
// rulebook, and then writes them, one transaction per demand.
//
// With logLock, each transaction also locks the audit log's head row and
// moves it on, as writ's appendEvents does before it writes the event:
// not part of the ceiling, but a measure of what that ordering costs.
func runRaw(ctx context.Context, dsn string, clients int, d time.Duration, runs int, logLock bool) error {
	rb, err := rules.Default()
	if err != nil {
		return err
	}
	postgres := strings.HasPrefix(dsn, "postgres")
	jobs, err := notify.NewQueue(notify.QueueOptions{Postgres: postgres})
	if err != nil {
		return err
	}
	// The demo registry's second factors are sealed with a documents key,
	// kept for the database across runs.
	keyFile := dsn + ".documents.key"
	if postgres {
		sum := sha256.Sum256([]byte(dsn))
		keyFile = filepath.Join(os.TempDir(), "writ-intake-"+hex.EncodeToString(sum[:6])+".documents.key")
	}
	keys, err := sealing.LoadOrCreateKeys(keyFile)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, dsn, store.Options{Rules: rb, Assessor: casework.NewAssessor(rb), Jobs: jobs, DocumentKeys: keys})
	if err != nil {
		return err
	}
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	// The registry, once: a later run writes on into the same database,
	// as the HTTP runs do into theirs.
	if _, err := st.UserByEmail(ctx, agencyEmail); writ.ErrorCode(err) == writ.ENOTFOUND {
		if _, err := demo.Load(ctx, st, demo.Options{Now: time.Now()}); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	demands, agent, err := rawDemands(ctx, st, rb)
	st.Close()
	if err != nil {
		return err
	}

	var db *sql.DB
	if postgres {
		db, err = sql.Open("pgx", dsn)
		db.SetMaxOpenConns(clients)
		db.SetMaxIdleConns(clients)
	} else {
		// As writ's store: one writer connection, the same pragmas.
		db, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_txlock=immediate")
		db.SetMaxOpenConns(1)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	statements := map[string]string{
		"key":        `INSERT INTO idempotency_keys (user_id, key, request_hash, response, created_at) VALUES ($1, $2, $3, $4, $5)`,
		"demand":     `INSERT INTO demands (group_id, reference, agency_id, customer_id, submitted_by, channel, received_at, requester, requester_verified, instrument, citation, issued_by, validated_by, offence_max_years, offence_listed, offence_in_issuing_state, subject_residence, data_categories, accounts, range_from, range_to, due, ndo, ndo_basis, ndo_until, emergency, emergency_justification, emergency_callback, customer_first_exception, state, authority_country, route, next_deadline, flags, customer_visible_from, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36) RETURNING id`,
		"account":    `INSERT INTO demand_accounts (demand_id, account) VALUES ($1, $2)`,
		"assessment": `INSERT INTO assessments (demand_id, rulebook, body, computed_at) VALUES ($1, $2, $3, $4)`,
		"deadline":   `INSERT INTO deadlines (demand_id, code, due) VALUES ($1, $2, $3)`,
		"notice":     `INSERT INTO notices (demand_id, timing, state, send_at, until, reason, updated_at) VALUES ($1, $2, $3, $4, '', '', $5)`,
		"event":      `INSERT INTO events (demand_id, actor_id, actor, kind, data, at, log_index) VALUES ($1, $2, $3, 'demand.received', $4, $5, $6)`,
		"hash":       `INSERT INTO log_hashes (idx, hash) VALUES ($1, $2)`,
		"delivery":   `INSERT INTO notice_deliveries (demand_id, channel, state, updated_at) VALUES ($1, 'email', 'pending', $2)`,
		"lock":       `SELECT size FROM log_head WHERE id = 1`,
		"head":       `UPDATE log_head SET size = size + 1 WHERE id = 1`,
	}
	if postgres {
		statements["lock"] += " FOR UPDATE"
	}
	prepared := map[string]*sql.Stmt{}
	for k, s := range statements {
		if prepared[k], err = db.PrepareContext(ctx, s); err != nil {
			return fmt.Errorf("prepare %s: %w", k, err)
		}
		defer prepared[k].Close()
	}
	// The log's numbering is the writers' only shared state, kept here
	// rather than in a locked row: that lock is writ's cost, not the
	// database's. It goes on from what an earlier run left.
	var logIndex, hashIndex atomic.Int64
	var seq atomic.Int64
	var top int64
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(log_index), 0) FROM events`).Scan(&top); err != nil {
		return err
	}
	logIndex.Store(top)
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(idx), 0) FROM log_hashes`).Scan(&top); err != nil {
		return err
	}
	hashIndex.Store(top)
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM demands`).Scan(&top); err != nil {
		return err
	}
	seq.Store(top)
	hash := bytes.Repeat([]byte{0xab}, 32)
	// The jobs are River's rows, written by River's own insert (unique by
	// subject), without writ's look for a job of the same subject.
	var driver riverdriver.Driver[*sql.Tx] = riversqlite.New(nil)
	if postgres {
		driver = riverdatabasesql.New(nil)
	}
	queue, err := river.NewClient(driver, &river.Config{})
	if err != nil {
		return err
	}
	job := func(tx *sql.Tx, kind, subject string, id int64, due time.Time) error {
		opts := &river.InsertOpts{Queue: notify.QueueOf(kind), UniqueOpts: river.UniqueOpts{ByArgs: true}}
		if due.After(time.Now()) {
			opts.ScheduledAt = due
		}
		_, err := queue.InsertTx(ctx, tx, rawJob{kind: kind, Subject: subject, Demand: id, Due: due}, opts)
		return err
	}
	var results []run
	for range runs {
		res := workers(clients, d, func(w, i int) (time.Duration, error) {
			start := time.Now()
			rd := demands[(w+i)%len(demands)]
			n := seq.Add(1)
			now := time.Now().UTC()
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return 0, err
			}
			stmt := func(k string) *sql.Stmt { return tx.StmtContext(ctx, prepared[k]) }
			fail := func(err error) (time.Duration, error) { tx.Rollback(); return 0, err }
			if _, err := stmt("key").ExecContext(ctx, agent, fmt.Sprintf("raw-%d", n), strings.Repeat("0", 64), fmt.Sprint(n), now); err != nil {
				return fail(err)
			}
			var id int64
			args := append([]any{0, fmt.Sprintf("RAW-%d", n)}, rd.demand...)
			args[6], args[len(args)-1] = now, now // received_at, updated_at
			if err := stmt("demand").QueryRowContext(ctx, args...).Scan(&id); err != nil {
				return fail(err)
			}
			for _, a := range rd.accounts {
				if _, err := stmt("account").ExecContext(ctx, id, a); err != nil {
					return fail(err)
				}
			}
			if _, err := stmt("assessment").ExecContext(ctx, id, rb.Version(), rd.assessment, now); err != nil {
				return fail(err)
			}
			for _, dl := range rd.deadlines {
				if _, err := stmt("deadline").ExecContext(ctx, id, dl.Code, dl.Due); err != nil {
					return fail(err)
				}
			}
			var sendAt any
			if rd.sendAt != nil {
				sendAt = *rd.sendAt
			}
			if _, err := stmt("notice").ExecContext(ctx, id, rd.timing, rd.noticeState, sendAt, now); err != nil {
				return fail(err)
			}
			// The work intake queues: the notice letter when notice is
			// due, and a reminder of each deadline.
			if rd.noticeState == "scheduled" {
				if err := job(tx, notify.JobNoticeEmail, fmt.Sprintf("demand:%d", id), id, now); err != nil {
					return fail(err)
				}
				if _, err := stmt("delivery").ExecContext(ctx, id, now); err != nil {
					return fail(err)
				}
			}
			for _, dl := range rd.deadlines {
				subject := fmt.Sprintf("demand:%d:%s:%d", id, dl.Code, dl.Due.Unix())
				if err := job(tx, notify.JobDeadlineReminder, subject, id, dl.Due); err != nil {
					return fail(err)
				}
			}
			if logLock {
				var size int64
				if err := stmt("lock").QueryRowContext(ctx).Scan(&size); err != nil {
					return fail(err)
				}
			}
			if _, err := stmt("event").ExecContext(ctx, id, agent, "Special Agent Dana Scully", rd.event, now, logIndex.Add(1)); err != nil {
				return fail(err)
			}
			// An entry adds two stored hashes to the tree on average.
			for range 2 {
				if _, err := stmt("hash").ExecContext(ctx, hashIndex.Add(1), hash); err != nil {
					return fail(err)
				}
			}
			if logLock {
				if _, err := stmt("head").ExecContext(ctx); err != nil {
					return fail(err)
				}
			}
			if err := tx.Commit(); err != nil {
				return 0, err
			}
			return time.Since(start), nil
		})
		results = append(results, res)
	}
	return emit(map[string]any{"mode": "raw", "log_lock": logLock, "clients": clients, "duration_s": d.Seconds(), "runs": results})
}

// rawDemands works out, for each submission, the rows intake would write:
// the demand as the agency user submits it, assessed by the rulebook.
func rawDemands(ctx context.Context, st *store.Store, rb *rules.Rulebook) ([]rawDemand, int64, error) {
	u, err := st.UserByEmail(ctx, agencyEmail)
	if err != nil {
		return nil, 0, err
	}
	ag, err := st.Agency(ctx, writ.System(), *u.AgencyID)
	if err != nil {
		return nil, 0, err
	}
	customers, err := st.Customers(ctx, writ.System(), writ.CustomerFilter{Limit: 500})
	if err != nil {
		return nil, 0, err
	}
	var out []rawDemand
	for _, s := range submissions {
		var c writ.Customer
		for _, cu := range customers.Items {
			if slices.Contains(cu.Accounts, s.Accounts[0]) {
				c = cu
			}
		}
		now := time.Now().UTC()
		d := writ.Demand{AgencyID: ag.ID, CustomerID: c.ID, Channel: "api", ReceivedAt: now, Requester: u.Name, RequesterVerified: ag.Verified,
			Instrument: s.Instrument, IssuedBy: s.IssuedBy, Citation: s.Citation, DataCategories: s.DataCategories, Accounts: s.Accounts,
			Nondisclosure: s.Nondisclosure, State: writ.StateReceived}
		k, err := casework.CaseOf(&d, ag, c)
		if err != nil {
			return nil, 0, err
		}
		a := rb.Assess(k)
		body, _ := json.Marshal(a)
		event, _ := json.Marshal(map[string]any{"demand": d, "rulebook": rb.Version(), "route": a.Route})
		var next any
		for _, dl := range a.Deadlines {
			if next == nil {
				next = dl.Due
			}
		}
		categories, _ := json.Marshal(s.DataCategories)
		accounts, _ := json.Marshal(s.Accounts)
		flags, _ := json.Marshal(append([]string{}, a.Flags...))
		var ndoBasis, ndoUntil string
		if s.Nondisclosure != nil {
			ndoBasis, ndoUntil = s.Nondisclosure.Basis, s.Nondisclosure.Until
		}
		state := map[string]string{"prohibited": "prohibited", "delayed": "delayed", "after_emergency": "delayed",
			"with_redirect": "scheduled", "before_disclosure": "scheduled"}[a.Notice.Timing]
		if state == "" {
			state = "none"
		}
		// The customer sees the demand from its notice's send time.
		var visibleFrom any
		if state == "scheduled" && a.Notice.SendAt != nil {
			visibleFrom = a.Notice.SendAt.UTC()
		}
		out = append(out, rawDemand{
			// From agency_id on, in the order of the INSERT; received_at
			// and updated_at are set per demand.
			demand: []any{ag.ID, c.ID, u.ID, "api", nil, u.Name, ag.Verified, s.Instrument, s.Citation, s.IssuedBy, "", nil, false, nil, "",
				string(categories), string(accounts), "", "", nil, s.Nondisclosure != nil, ndoBasis, ndoUntil, false, "", false, "",
				"received", ag.Country, a.Route, next, string(flags), visibleFrom, nil},
			accounts: s.Accounts, assessment: string(body), deadlines: a.Deadlines, timing: a.Notice.Timing, noticeState: state,
			sendAt: a.Notice.SendAt, event: string(event),
		})
	}
	return out, u.ID, nil
}

// recreateDatabase drops and creates database name on the server of base
// (or, with keep, creates it only if it is missing) and prints its URL.
func recreateDatabase(ctx context.Context, base, name string, keep bool) error {
	if base == "" || name == "" || strings.ContainsAny(name, `"; `) {
		return errors.New("pgdb needs -db URL and a plain -name")
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return err
	}
	if exists && !keep {
		if _, err := db.ExecContext(ctx, `DROP DATABASE "`+name+`" WITH (FORCE)`); err != nil {
			return err
		}
	}
	if !exists || !keep {
		if _, err := db.ExecContext(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
			return err
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	u.Path = "/" + name
	fmt.Println(u.String())
	return nil
}

// rawJob is a job as River stores it for writ: its args carry the subject
// it is unique by, its demand and when it falls due.
type rawJob struct {
	kind    string
	Subject string    `json:"subject" river:"unique"`
	Demand  int64     `json:"demand"`
	Due     time.Time `json:"due"`
}

func (j rawJob) Kind() string { return j.kind }
