// Command report writes bench/RESULTS.md from what bench/run measured: the
// JSON and text files in the results folder, the machine's description,
// and the hand-written analysis of what limits the figures (notes.md).
// Every figure is given as min / median / max over its runs, next to the
// goal it is held against and whether it meets it.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func main() {
	dir := flag.String("results", "bench/out/results", "the folder bench/run wrote")
	notes := flag.String("notes", "bench/notes.md", "the analysis to append")
	out := flag.String("out", "bench/RESULTS.md", "the file to write")
	flag.Parse()
	var b strings.Builder
	r := &report{dir: *dir, w: &b}
	r.write(*notes)
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "results:", err)
		os.Exit(1)
	}
}

type report struct {
	dir string
	w   io.Writer
}

func (r *report) p(format string, args ...any) { fmt.Fprintf(r.w, format+"\n", args...) }

// load reads a JSON result; ok is false when bench/run did not measure it.
func (r *report) load(name string, v any) bool {
	data, err := os.ReadFile(filepath.Join(r.dir, name))
	if err != nil {
		return false
	}
	return json.Unmarshal(data, v) == nil
}

// loadIntake reads the intake results of one kind: NAME.json, or the
// runs of NAME.1.json, NAME.2.json, … that bench/run makes when it lets
// the kinds take turns.
func (r *report) loadIntake(name string, v *intakeResult) bool {
	if r.load(name+".json", v) {
		return true
	}
	paths, _ := filepath.Glob(filepath.Join(r.dir, name+".*.json"))
	slices.Sort(paths)
	for _, p := range paths {
		var one intakeResult
		if r.load(filepath.Base(p), &one) {
			v.Clients = one.Clients
			v.Runs = append(v.Runs, one.Runs...)
		}
	}
	return len(v.Runs) > 0
}

// spread is min / median / max of several runs.
type spread struct{ min, median, max float64 }

func spreadOf(xs []float64) (spread, bool) {
	if len(xs) == 0 {
		return spread{}, false
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return spread{s[0], s[len(s)/2], s[len(s)-1]}, true
}

func (s spread) format(unit string, digits int) string {
	f := func(x float64) string {
		if digits == 0 {
			return thousands(strconv.Itoa(int(x + 0.5)))
		}
		return strconv.FormatFloat(x, 'f', digits, 64)
	}
	return strings.TrimSpace(fmt.Sprintf("%s / **%s** / %s %s", f(s.min), f(s.median), f(s.max), unit))
}

type machine struct {
	Nproc          string            `json:"nproc"`
	Memory         string            `json:"memory"`
	CPU            string            `json:"cpu"`
	Go             string            `json:"go"`
	Postgres       string            `json:"postgres"`
	Date           string            `json:"date"`
	Command        string            `json:"command"`
	Mode           string            `json:"mode"`
	LoadBefore     string            `json:"load_before"`
	LoadAfter      string            `json:"load_after"`
	Seconds        string            `json:"seconds"`
	Clients        string            `json:"clients"`
	IntakeSeconds  string            `json:"intake_seconds"`
	Runs           string            `json:"runs"`
	QueueRequests  string            `json:"queue_requests"`
	SignInRequests string            `json:"signin_requests"`
	FloodClients   string            `json:"flood_clients"`
	OPADuration    string            `json:"opa_duration"`
	QueueDemands   map[string]string `json:"queue_demands"`
	PrepareSeconds map[string]string `json:"prepare_seconds"`
	RSSkB          map[string]string `json:"rss_kb"`
	// The parts of RSSkB: the server's peak, its hash workers' own
	// memory (their peaks less the file pages they map) and those file
	// pages, which the server maps too.
	ServerkB        map[string]string `json:"rss_server_kb"`
	WorkerskB       map[string]string `json:"rss_workers_kb"`
	WorkersSharedkB map[string]string `json:"rss_workers_shared_kb"`
}

// signinResult is what bench/signin measured on one database.
type signinResult struct {
	Flood int `json:"flood_clients"`
	Runs  []struct {
		RestP95ms  float64        `json:"rest_p95_ms"`
		FloodP95ms float64        `json:"flood_p95_ms"`
		Ratio      float64        `json:"ratio"`
		PerSecond  float64        `json:"flood_attempts_per_s"`
		Statuses   map[string]int `json:"flood_statuses"`
		Errors     int            `json:"errors"`
	} `json:"runs"`
}

// signinSection writes the figure of writes during a sign-in flood.
func (r *report) signinSection(sub *report, m machine, summary *[]verdict) {
	sub.p("## Writes during a sign-in flood")
	sub.p("")
	sub.p("`bench/signin` against `writ serve` on a fresh database with the demo data set of 100 demands: one client, signed in by the demo reviewer's API token, PATCHes the due date of a demand in review %s times at rest and %s times while %s clients send wrong passwords to the sign-in form as fast as writ answers (after a second's start), %s runs. Each flooding request names an address of its own (writ runs with `--trusted-proxy 127.0.0.1` and reads it from `X-Forwarded-For`) and an account of its own, as a botnet spraying addresses would, so that no throttle refuses it unchecked: every one costs writ a password hash and its writes. The goal: the PATCH's p95 during the flood at most twice its p95 at rest.", m.SignInRequests, m.SignInRequests, m.FloodClients, m.Runs)
	sub.p("")
	sub.p("| database | PATCH p95 at rest | PATCH p95 during the flood | ratio | flood attempts/s answered | flood answers | errors |")
	sub.p("|---|---|---|---|---|---|---|")
	for _, db := range []string{"sqlite", "postgres"} {
		var s signinResult
		if !r.load("signin-"+db+".json", &s) || len(s.Runs) == 0 {
			sub.p("| %s | not measured | | | | | |", db)
			*summary = append(*summary, verdict{"reviewer's PATCH p95 during a sign-in flood ÷ at rest, " + db, "not measured", "≤ 2×", yes(false)})
			continue
		}
		var rest, during, ratio, rate []float64
		answers := map[string]int{}
		errs := 0
		for _, run := range s.Runs {
			rest, during, ratio, rate = append(rest, run.RestP95ms), append(during, run.FloodP95ms), append(ratio, run.Ratio), append(rate, run.PerSecond)
			for k, v := range run.Statuses {
				answers[k] += v
			}
			errs += run.Errors
		}
		rs, _ := spreadOf(rest)
		ds, _ := spreadOf(during)
		qs, _ := spreadOf(ratio)
		as, _ := spreadOf(rate)
		var counts []string
		for _, k := range slices.Sorted(maps.Keys(answers)) {
			counts = append(counts, fmt.Sprintf("%s × %s", thousands(strconv.Itoa(answers[k])), k))
		}
		sub.p("| %s | %s | %s | %s | %s | %s | %d |", db, rs.format("ms", 1), ds.format("ms", 1), qs.format("×", 2), as.format("/s", 0), strings.Join(counts, ", "), errs)
		*summary = append(*summary, verdict{"reviewer's PATCH p95 during a sign-in flood ÷ at rest, " + db,
			fmt.Sprintf("%.2f× (%.1f ÷ %.1f ms)", qs.median, ds.median, rs.median), "≤ 2×", yes(qs.median <= 2)})
	}
	sub.p("")
	sub.p("What keeps the writes fast: the password is hashed outside any transaction, in at most half the processors' worth of hashing slots at once (one on this machine), so the flood's hashing takes one core and leaves the other to everything else. An attempt waits at most half a second for a slot and is otherwise answered 503 at once, with `Retry-After` and nothing checked, charged or written (the 503s above); one that gets a slot makes two short transactions (its charge against the throttles, its failure in the audit log, which does not wait for its log index). The flood's rate of checked passwords is what one hashing slot allows.")
	sub.p("")
}

type intakeResult struct {
	Clients int `json:"clients"`
	Runs    []struct {
		Accepted   int     `json:"accepted"`
		Errors     int     `json:"errors"`
		PerSec     float64 `json:"per_second"`
		P50ms      float64 `json:"p50_ms"`
		P95ms      float64 `json:"p95_ms"`
		P99ms      float64 `json:"p99_ms"`
		FirstError string  `json:"first_error"`
	} `json:"runs"`
}

// opaResult is what bench/opa printed.
type opaResult struct {
	Version   string `json:"opa_version"`
	Cases     int    `json:"cases"`
	Examples  int    `json:"examples"`
	Probes    int    `json:"probes"`
	Generated int    `json:"generated"`
	Agreed    int    `json:"agreed"`
	Runs      []struct {
		Writ float64 `json:"writ_per_s"`
		OPA  float64 `json:"opa_per_s"`
	} `json:"runs"`
}

// reportResult is what bench/reports printed for one store.
type reportResult struct {
	Demands       int    `json:"demands"`
	Period        string `json:"period"`
	PeriodDemands int64  `json:"period_demands"`
	Runs          []struct {
		ReportMs  float64 `json:"report_ms"`
		GroupByMs float64 `json:"group_by_ms"`
		CommandMs float64 `json:"command_ms"`
		CommandKB float64 `json:"command_peak_rss_kb"`
	} `json:"runs"`
}

type queueResult struct {
	Requests int                             `json:"requests"`
	Newest   int64                           `json:"newest_demand"`
	Runs     []map[string]map[string]float64 `json:"runs"`
}

// verdict is a figure's line in the summary.
type verdict struct {
	figure, measured, goal string
	met                    *bool
}

func yes(b bool) *bool { return &b }

// rssPeak is a process's peak resident set, in MB.
type rssPeak struct {
	run string
	mb  float64
}

// million writes 1000000 as 1M and 10000000 as 10M.
func million(n string) string {
	return strings.TrimSuffix(n, "000000") + "M"
}

func (r *report) write(notesPath string) {
	var m machine
	r.load("machine.json", &m)
	var summary []verdict
	var rssPeaks []rssPeak
	var body strings.Builder
	sub := &report{dir: r.dir, w: &body}

	// Assessments per second.
	rates := assessRates(filepath.Join(r.dir, "assess.txt"))
	sub.p("## Assessments per second")
	sub.p("")
	sub.p("`go test ./rules -run '^$' -bench BenchmarkAssess` over the contract's examples and the golden cases (%d runs; the benchstat-friendly output is in `bench/out/assess.txt`).", len(rates))
	sub.p("")
	if s, ok := spreadOf(rates); ok {
		sub.p("| figure | min / **median** / max |")
		sub.p("|---|---|")
		sub.p("| assessments/s, one core | %s |", s.format("/s", 0))

	} else {
		sub.p("Not measured.")
	}
	sub.p("")
	var opa opaResult
	switch {
	case r.load("opa.json", &opa) && opa.Agreed == opa.Cases && opa.Cases > 0 && len(opa.Runs) > 0:
		sub.p("### Against Open Policy Agent")
		sub.p("")
		sub.p("`bench/opa` (a Go module of its own, so that Open Policy Agent's dependencies stay out of writ's) evaluates the same rulebook with Open Policy Agent %s: a Rego policy whose rules mirror writ's evaluator, given the rulebook's data as a data document made from the very rulebook writ loads, as a query prepared once (`PrepareForEval`) with every case converted to OPA's input form beforehand (`EvalParsedInput`). Before anything is timed, both engines assess every case and must give the same assessment, every field but the messages, and count it alike in the transparency report under each structure of 50 U.S.C. 1874(a): %d cases (%d from the contract's examples and the golden files, %d probes written for the changes of rulebook v2, %d generated by varying them), **%d agreed**. Then each engine assesses the cases in turn on one goroutine for %s a run, the engines taking turns, %d runs.", opa.Version, opa.Cases, opa.Examples, opa.Probes, opa.Generated, opa.Agreed, m.OPADuration, len(opa.Runs))
		sub.p("")
		var w, o, ratios []float64
		for _, run := range opa.Runs {
			w, o = append(w, run.Writ), append(o, run.OPA)
			if run.OPA > 0 {
				ratios = append(ratios, run.Writ/run.OPA)
			}
		}
		ws, _ := spreadOf(w)
		ops, _ := spreadOf(o)
		rs, _ := spreadOf(ratios)
		sub.p("| engine | assessments/s, one goroutine (min / **median** / max) |")
		sub.p("|---|---|")
		sub.p("| writ | %s |", ws.format("/s", 0))
		sub.p("| Open Policy Agent | %s |", ops.format("/s", 0))
		sub.p("| writ ÷ Open Policy Agent, per run | %s |", rs.format("×", 1))
		summary = append(summary, verdict{"assessments/s, writ ÷ Open Policy Agent", fmt.Sprintf("%.1f× (%s ÷ %s /s)", rs.median, thousands(strconv.Itoa(int(ws.median+0.5))), thousands(strconv.Itoa(int(ops.median+0.5)))), "≥ 10×", yes(rs.median >= 10)})
	default:
		// bench/opa prints its figures only when the engines agreed on
		// every case; otherwise it lists the differences and times nothing.
		sub.p("**The comparison with Open Policy Agent found the engines in disagreement, or did not run**, so nothing was timed; what it said is in `bench/out/results/opa.err`.")
		summary = append(summary, verdict{"assessments/s, writ ÷ Open Policy Agent", "not measured", "≥ 10×", yes(false)})
	}
	sub.p("")

	// The audit log.
	sub.p("## Audit log")
	sub.p("")
	sub.p("`go test ./store -bench 'BenchmarkLogAppend|BenchmarkLogVerify|BenchmarkSHA256'` (output in `bench/out/log.txt`): appends are changes of their own, each committed durably on SQLite with its event, which the sequencer then appends to the log in a transaction of its own that the change waits for; verification reads a 3,000-entry log back from SQLite, recomputes every leaf and the tree and checks the signed checkpoint, counted in bytes hashed (the events' data, the leaves, the tree's nodes); raw SHA-256 is the machine's speed on 256-byte inputs, about a leaf's size, in the same run.")
	sub.p("")
	appends := benchMetric(filepath.Join(r.dir, "log.txt"), "BenchmarkLogAppend", "appends/s")
	verify := benchMetric(filepath.Join(r.dir, "log.txt"), "BenchmarkLogVerify", "MB/s")
	sha := benchMetric(filepath.Join(r.dir, "log.txt"), "BenchmarkSHA256", "MB/s")
	sa, okA := spreadOf(appends)
	sv, okV := spreadOf(verify)
	ss, okS := spreadOf(sha)
	if okA && okV && okS {
		sub.p("| figure | min / **median** / max |")
		sub.p("|---|---|")
		sub.p("| appends/s (SQLite, durable) | %s |", sa.format("/s", 0))
		sub.p("| full verification | %s |", sv.format("MB/s", 1))
		sub.p("| raw SHA-256 | %s |", ss.format("MB/s", 1))
		ratio := sv.median / ss.median
		met := ratio >= 0.5
		sub.p("| verification ÷ raw SHA-256 (medians) | %.2f× |", ratio)
		summary = append(summary, verdict{"log verification vs raw SHA-256", fmt.Sprintf("%.2f×", ratio), "≥ 0.5×", &met})
		sub.p("")
		sub.p("Verification reads the log in chunks, on as many connections at once as there are processors (up to three). On SQLite each chunk is hashed inside two queries of one row each: an aggregate SQL function of writ's recomputes the chunk's leaves from the event rows as SQLite reads them, and the stored leaf hashes come back joined; only a chunk in which anything is amiss is read again row by row to name the entry (`store/logverify_sqlite.go`). About a quarter of its CPU is SHA-256; most of the rest is SQLite reading the rows and their pages.")
	} else {
		sub.p("Not measured.")
	}
	sub.p("")

	// Intake.
	sub.p("## Intake over HTTP against the raw ceiling")
	sub.p("")
	sub.p("%s concurrent clients post demands to `writ serve` (as the demo FBI agency user, each with its own `Idempotency-Key`) for %s s, %s runs taking turns with the raw runs below, on a fresh database; rate limits are switched off (`--rate-limit 0 --rate-limit-ip 0`), because the figure is capacity, not policy. The raw ceiling is the same number of writers committing, one transaction per demand, the rows intake leaves for a demand (demand, accounts, assessment, deadlines, notice, the jobs it queues for the notice letter and the deadline reminders as River's rows written by River's insert, event, its two log hashes, idempotency key) straight into a fresh database of the same kind with the same sync settings: SQLite in WAL mode with `synchronous=FULL` through one connection, as writ's store writes; PostgreSQL with the default `synchronous_commit=on` through one connection per writer. The last column is not a ceiling: it is the raw writers again, each transaction also locking and moving the audit log's head row as writ's intake did until its events were appended by a sequencer after the commit (issue 19), to show what that ordering alone cost.", m.Clients, m.IntakeSeconds, m.Runs)
	sub.p("")
	sub.p("| database | HTTP accepted/s | raw ceiling, demands/s | ratio (median) | HTTP p50 / p95 / p99 latency (median run) | raw with writ's log-head lock, demands/s | errors |")
	sub.p("|---|---|---|---|---|---|---|")
	for _, db := range []string{"sqlite", "postgres"} {
		var h, raw intakeResult
		okH := r.loadIntake("intake-"+db+"-http", &h)
		okR := r.loadIntake("intake-"+db+"-raw", &raw)
		if !okH || !okR {
			sub.p("| %s | not measured | | | | | |", db)
			continue
		}
		locked := "not measured"
		var lock intakeResult
		if r.loadIntake("intake-"+db+"-raw-lock", &lock) {
			var lr []float64
			for _, x := range lock.Runs {
				lr = append(lr, x.PerSec)
			}
			ls, _ := spreadOf(lr)
			locked = ls.format("", 0)
		}
		var hr, rr, p50, p95, p99 []float64
		errs := 0
		first := ""
		for _, x := range h.Runs {
			hr, p50, p95, p99 = append(hr, x.PerSec), append(p50, x.P50ms), append(p95, x.P95ms), append(p99, x.P99ms)
			errs += x.Errors
			if first == "" {
				first = x.FirstError
			}
		}
		for _, x := range raw.Runs {
			rr = append(rr, x.PerSec)
			errs += x.Errors
		}
		hs, _ := spreadOf(hr)
		rs, _ := spreadOf(rr)
		ratio := hs.median / rs.median
		l50, _ := spreadOf(p50)
		l95, _ := spreadOf(p95)
		l99, _ := spreadOf(p99)
		sub.p("| %s | %s | %s | %.2f× | %.1f / %.1f / %.1f ms | %s | %d |", db, hs.format("", 0), rs.format("", 0), ratio, l50.median, l95.median, l99.median, locked, errs)
		if first != "" {
			sub.p("")
			sub.p("First error on %s: `%s`", db, first)
		}
		summary = append(summary, verdict{"intake/s over HTTP ÷ raw ceiling, " + db, fmt.Sprintf("%.2f× (%s ÷ %s /s)", ratio, thousands(strconv.Itoa(int(hs.median+0.5))), thousands(strconv.Itoa(int(rs.median+0.5)))), "≥ 0.5×", yes(ratio >= 0.5)})
	}
	sub.p("")

	// Reports.
	sub.p("## Half-year reports at 1M and 10M demands")
	sub.p("")
	sub.p("`bench/reports` over a store filled with N demands received at an even pace over the ten years 2017–2026 from authorities of twenty countries (one in two hundred a national-security letter; one INSERT … SELECT, cached in `~/.cache/writ-bench` and in the PostgreSQL databases `writ_bench_report_N`), reporting on %s, a twentieth of them. In one process, after one unmeasured build of each, every run times `BuildReport` (what `writ report` does: check the signed checkpoint, the GROUP BY, replay the demands changed since the checkpoint, count again independently and reconcile) and the plain SQL `GROUP BY` that computes the same table of countries and outcomes (`ReportBaseline`, picking the period's rows as the report does, so that both read the same indexes), each repeated for at least a second and averaged, %s runs. The last columns are the whole `writ report --format json` command on the same store, started afresh each run: its wall time and its peak resident set.", "2026-H1", m.Runs)
	sub.p("")
	sub.p("| database | demands (in the half-year) | report ms | GROUP BY ms | report ÷ GROUP BY, per run | `writ report` command ms | its peak RSS |")
	sub.p("|---|---|---|---|---|---|---|")
	for _, db := range []string{"sqlite", "postgres"} {
		for _, n := range []string{"1000000", "10000000"} {
			var rep reportResult
			if !r.load("report-"+db+"-"+n+".json", &rep) || len(rep.Runs) == 0 {
				sub.p("| %s | %s | not measured | | | | |", db, thousands(n))
				summary = append(summary, verdict{fmt.Sprintf("half-year report at %s demands ÷ GROUP BY, %s", million(n), db), "not measured", "≤ 1.2×", nil})
				continue
			}
			var rt, gt, ratios, ct, rss []float64
			for _, run := range rep.Runs {
				rt, gt, ct, rss = append(rt, run.ReportMs), append(gt, run.GroupByMs), append(ct, run.CommandMs), append(rss, run.CommandKB/1024)
				ratios = append(ratios, run.ReportMs/run.GroupByMs)
			}
			rs, _ := spreadOf(rt)
			gs, _ := spreadOf(gt)
			qs, _ := spreadOf(ratios)
			cs, _ := spreadOf(ct)
			ms, _ := spreadOf(rss)
			sub.p("| %s | %s (%s) | %s | %s | %s | %s | %.1f MB (max) |", db, thousands(n), thousands(strconv.FormatInt(rep.PeriodDemands, 10)), rs.format("", 1), gs.format("", 1), qs.format("×", 2), cs.format("", 0), ms.max)
			summary = append(summary, verdict{fmt.Sprintf("half-year report at %s demands ÷ GROUP BY, %s", million(n), db), fmt.Sprintf("%.2f× (%.0f ÷ %.0f ms)", qs.median, rs.median, gs.median), "≤ 1.2×", yes(qs.median <= 1.2)})
			rssPeaks = append(rssPeaks, rssPeak{fmt.Sprintf("`writ report`, %s demands, %s", thousands(n), db), ms.max})
		}
	}
	sub.p("")

	r.signinSection(sub, m, &summary)
	r.frozenSection(sub, &summary)
	r.testSection(sub, &summary)

	// Queue.
	sub.p("## The queue and the demand page at scale")
	sub.p("")
	sub.p("`writ serve` on a store generated with `writ demo --demands N` (cached in `~/.cache/writ-bench` and the PostgreSQL database `writ_bench_N`), one client asking each page in turn, %s times a run, 3 runs after 20 unmeasured rounds: the API's list of demands (the default page of 50, newest first; in review; by deadline; a reviewer's queue, in review by deadline) and one random demand, and the web application's queue page, a random demand's page, the legal team's home and the queue searched for a reference and for two common words, signed in through the forms as the demo reviewer. A demo demand naming two customers' accounts is stored as two records, one per customer, so the store holds a few percent more records than demo demands. *Wall* is the time on loopback from sending the request to reading the end of the answer; *server* is writ's own time from its `Server-Timing` header (receiving the request to sending the answer's headers, the body rendered whole before). The goal is held against the worst median p95 of the queue pages (the API's lists, the web queue page, the home and the searches).", m.QueueRequests)
	sub.p("")
	sub.p("| database | demands | page | wall p50 ms | wall p95 ms (min / **median** / max) | wall p99 ms | wall max ms | server p50 / p95 ms | errors |")
	sub.p("|---|---|---|---|---|---|---|---|---|")
	pages := []struct {
		key, name string
		queue     bool
	}{
		{"list", "API `GET /v1/demands`", true},
		{"list_in_review", "API `?state=in_review`", true},
		{"list_by_deadline", "API `?sort=deadline`", true},
		{"list_in_review_by_deadline", "API `?state=in_review&sort=deadline`", true},
		{"demand", "API `GET /v1/demands/{id}`", false},
		{"web_queue", "web queue page `/queue`", true},
		{"web_demand", "web demand page `/demands/{id}`", false},
		{"web_home", "the legal team's home `/home`", true},
		{"web_search_reference", "search for a reference `/queue?search=DEMO-…`", true},
		{"web_search_words", "search for two words `/queue?search=fbi+warrant`", true},
	}
	for _, db := range []string{"sqlite", "postgres"} {
		var q queueResult
		if !r.load("queue-"+db+".json", &q) {
			sub.p("| %s | not measured | | | | | | | |", db)
			continue
		}
		demands := m.QueueDemands[db]
		atScale := demands == "1000000"
		records := fmt.Sprintf("%s (%s records)", thousands(demands), thousands(strconv.FormatInt(q.Newest, 10)))
		worst, demandPage := 0.0, 0.0
		for _, pg := range pages {
			var p50, p95, p99, mx, s50, s95 []float64
			errs := 0.0
			for _, run := range q.Runs {
				l, ok := run[pg.key]
				if !ok {
					continue
				}
				p50, p95, p99, mx = append(p50, l["p50_ms"]), append(p95, l["p95_ms"]), append(p99, l["p99_ms"]), append(mx, l["max_ms"])
				s50, s95 = append(s50, l["server_timing_p50_ms"]), append(s95, l["server_timing_p95_ms"])
				errs += l["errors"]
			}
			if len(p95) == 0 {
				sub.p("| %s | %s | %s | not measured | | | | | |", db, records, pg.name)
				continue
			}
			w50, _ := spreadOf(p50)
			w95, _ := spreadOf(p95)
			w99, _ := spreadOf(p99)
			wmx, _ := spreadOf(mx)
			t50, _ := spreadOf(s50)
			t95, _ := spreadOf(s95)
			if pg.queue {
				worst = max(worst, w95.median)
			}
			if pg.key == "web_demand" {
				demandPage = w95.median
			}
			sub.p("| %s | %s | %s | %.1f | %s | %.1f | %.1f | %.1f / %.1f | %.0f |", db, records, pg.name, w50.median, w95.format("", 1), w99.median, wmx.max, t50.median, t95.median, errs)
		}
		v := verdict{"queue page p95 at 1M demands, " + db, fmt.Sprintf("%.1f ms (worst page's median p95)", worst), "≤ 20 ms", yes(worst <= 20)}
		d := verdict{"demand page p95 at 1M demands, " + db, fmt.Sprintf("%.1f ms (web page, median p95)", demandPage), "none set; reported", nil}
		if !atScale {
			v.figure = fmt.Sprintf("queue page p95 at %s demands (not 1M), %s", thousands(demands), db)
			v.met = nil
			d.figure = fmt.Sprintf("demand page p95 at %s demands (not 1M), %s", thousands(demands), db)
		}
		summary = append(summary, v, d)
	}
	sub.p("")

	// Memory.
	sub.p("## Peak memory")
	sub.p("")
	sub.p("The peak resident set of each `writ serve` (`VmHWM` in `/proc/PID/status` at the end of its run, which covers every request it answered) with its hash workers' own (the processes that check its sign-ins' passwords: each worker's `VmHWM` less its `RssFile`, the pages of writ's binary and of libc it maps, which are the page cache's and mapped by the server as well; the plain sum is shown beside it), and of each `writ report` command (the kernel's `ru_maxrss` when it exits; reports are built by that command, not by the server). The goal is held against `writ serve` at 1M demands with its workers' own memory.")
	sub.p("")
	sub.p("| run | peak RSS | the server | its hash workers' own | the workers' file pages (shared) |")
	sub.p("|---|---|---|---|---|")
	mb := func(m map[string]string, k string) string {
		kb, ok := m[k]
		if !ok {
			return "—"
		}
		n, _ := strconv.ParseFloat(kb, 64)
		return fmt.Sprintf("%.1f MB", n/1024)
	}
	for _, k := range []string{"intake-sqlite", "intake-postgres", "queue-sqlite", "queue-postgres"} {
		kb, ok := m.RSSkB[k]
		if !ok {
			sub.p("| `writ serve`, %s | not measured | | | |", k)
			continue
		}
		n, _ := strconv.ParseFloat(kb, 64)
		sub.p("| `writ serve`, %s | %.1f MB | %s | %s | %s |", k, n/1024, mb(m.ServerkB, k), mb(m.WorkerskB, k), mb(m.WorkersSharedkB, k))
		if strings.HasPrefix(k, "queue") {
			db := strings.TrimPrefix(k, "queue-")
			v := verdict{"peak RSS of writ serve at 1M demands with its hash workers' own, " + db, fmt.Sprintf("%.1f MB", n/1024), "≤ 100 MB", yes(n/1024 <= 100)}
			if m.QueueDemands[db] != "1000000" {
				v.figure, v.met = fmt.Sprintf("peak RSS of writ serve at %s demands (not 1M), %s", thousands(m.QueueDemands[db]), db), nil
			}
			summary = append(summary, v)
		}
	}
	for _, p := range rssPeaks {
		sub.p("| %s | %.1f MB | | | |", p.run, p.mb)
	}
	sub.p("")
	if len(m.PrepareSeconds) > 0 {
		sub.p("## Generating the data sets")
		sub.p("")
		sub.p("Made once (by `bench/run --prepare`, or by the first `bench/run`) and reused while present: the queue's with `writ demo --demands N` (the first 300 demands through the service, the rest through the bulk import path, with their events in the log), the reports' with one INSERT … SELECT. A data set generated before its generation time was recorded shows none.")
		sub.p("")
		sub.p("| data set | seconds to make |")
		sub.p("|---|---|")
		names := slices.Sorted(maps.Keys(m.PrepareSeconds))
		for _, name := range names {
			secs := m.PrepareSeconds[name]
			if secs == "" {
				secs = "not recorded"
			}
			sub.p("| `%s` | %s |", name, secs)
		}
		sub.p("")
	}

	r.p("# writ: benchmark results")
	r.p("")
	r.p("Written by `bench/run`; regenerate rather than edit. What each figure means and how to run: `bench/README.md`.")
	r.p("")
	r.p("| | |")
	r.p("|---|---|")
	r.p("| date | %s |", m.Date)
	r.p("| command | `%s` (%s mode, %s s) |", m.Command, m.Mode, m.Seconds)
	r.p("| machine | %s CPUs (`nproc`), %s memory, %s |", m.Nproc, m.Memory, m.CPU)
	r.p("| software | %s; %s |", m.Go, m.Postgres)
	r.p("| load average before / after | %s / %s (the machine is shared; figures from a busy machine are lower) |", m.LoadBefore, m.LoadAfter)
	r.p("")
	r.p("## Summary")
	r.p("")
	r.p("| figure | measured | goal | met |")
	r.p("|---|---|---|---|")
	for _, v := range summary {
		met := "not judged"
		if v.met != nil {
			met = map[bool]string{true: "yes", false: "**no — missed**"}[*v.met]
		}
		r.p("| %s | %s | %s | %s |", v.figure, v.measured, v.goal, met)
	}
	r.p("")
	notes, _ := os.ReadFile(notesPath)
	r.limitsSection(summary, string(notes))
	fmt.Fprint(r.w, body.String())
	fmt.Fprint(r.w, string(notes))
}

// benchMetric reads the value of one metric (as "123.4 unit") from every
// line of one benchmark in a go test -bench output.
func benchMetric(path, name, unit string) []float64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	line := regexp.MustCompile(`^` + name + `-\d+\s.*?\s([0-9.]+) ` + regexp.QuoteMeta(unit))
	var out []float64
	for _, l := range strings.Split(string(data), "\n") {
		if m := line.FindStringSubmatch(l); m != nil {
			if v, err := strconv.ParseFloat(m[1], 64); err == nil {
				out = append(out, v)
			}
		}
	}
	return out
}

var assessLine = regexp.MustCompile(`^BenchmarkAssess-\d+\s.*?\s([0-9.]+) assessments/s`)

// assessRates reads the assessments/s metric of each BenchmarkAssess line.
func assessRates(path string) []float64 {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := assessLine.FindStringSubmatch(sc.Text()); m != nil {
			if v, err := strconv.ParseFloat(m[1], 64); err == nil {
				out = append(out, v)
			}
		}
	}
	return out
}

func thousands(s string) string {
	n, err := strconv.Atoi(s)
	if err != nil {
		return s
	}
	out := strconv.Itoa(n)
	for i := len(out) - 3; i > 0; i -= 3 {
		out = out[:i] + "," + out[i:]
	}
	return out
}
