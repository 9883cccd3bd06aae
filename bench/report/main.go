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
		fmt.Fprintln(os.Stderr, "report:", err)
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
	QueueDemands   map[string]string `json:"queue_demands"`
	PrepareSeconds map[string]string `json:"prepare_seconds"`
	RSSkB          map[string]string `json:"rss_kb"`
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

func (r *report) write(notesPath string) {
	var m machine
	r.load("machine.json", &m)
	var summary []verdict
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
		summary = append(summary, verdict{"assessments/s", s.format("/s", 0), "≥ 10× Open Policy Agent on the same cases (issue 3)", nil})
	} else {
		sub.p("Not measured.")
	}
	sub.p("")
	sub.p("The goal is relative to Open Policy Agent evaluating the same rulebook in Rego, which this suite does not run yet (issue 9 builds that comparison), so the goal cannot be judged here; the absolute figure is the baseline for it.")
	sub.p("")

	// The audit log.
	sub.p("## Audit log")
	sub.p("")
	sub.p("`go test ./store -bench 'BenchmarkLogAppend|BenchmarkLogVerify|BenchmarkSHA256'` (output in `bench/out/log.txt`): appends are changes of their own, each committed durably on SQLite with its event appended to the log in the same transaction; verification reads a 3,000-entry log back from SQLite, recomputes every leaf and the tree and checks the signed checkpoint, counted in bytes hashed (the events' data, the leaves, the tree's nodes); raw SHA-256 is the machine's speed on 256-byte inputs, about a leaf's size, in the same run.")
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
		sub.p("Verification is bound by reading the events back from the database (modernc.org/sqlite decodes every row in Go), not by hashing: its hashing alone, without the database (`go test ./auditlog -bench BenchmarkVerifierAdd`), runs several times faster.")
	} else {
		sub.p("Not measured.")
	}
	sub.p("")

	// Intake.
	sub.p("## Intake over HTTP against the raw ceiling")
	sub.p("")
	sub.p("%s concurrent clients post demands to `writ serve` (as the demo FBI agency user, each with its own `Idempotency-Key`) for %s s, %s runs taking turns with the raw runs below, on a fresh database; rate limits are switched off (`--rate-limit 0 --rate-limit-ip 0`), because the figure is capacity, not policy. The raw ceiling is the same number of writers committing, one transaction per demand, the rows intake leaves for a demand (demand, accounts, assessment, deadlines, notice, the jobs it queues for the notice letter and the deadline reminders, event, its two log hashes, idempotency key) straight into a fresh database of the same kind with the same sync settings: SQLite in WAL mode with `synchronous=FULL` through one connection, as writ's store writes; PostgreSQL with the default `synchronous_commit=on` through one connection per writer. The last column is not a ceiling: it is the raw writers again, each transaction also locking and moving the audit log's head row as writ's intake does, to show what that ordering alone costs.", m.Clients, m.IntakeSeconds, m.Runs)
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

	// Queue.
	sub.p("## The queue at scale")
	sub.p("")
	sub.p("`writ serve` on a store generated with `writ demo --demands N` (cached in `bench/out/`), one client asking each page in turn, %s times a run, 3 runs after 20 unmeasured rounds. A demo demand naming two customers' accounts is stored as two records, one per customer, so the store holds a few percent more records than demo demands. Times are wall time on loopback from request to the end of the answer (writ sends no `Server-Timing` header, so there is no separate server figure); the default page is 50 demands.", m.QueueRequests)
	sub.p("")
	sub.p("| database | demands | page | p50 ms | p95 ms (min / **median** / max) | p99 ms | max ms | errors |")
	sub.p("|---|---|---|---|---|---|---|---|")
	pages := []struct{ key, name string }{{"list", "`GET /v1/demands`"}, {"list_in_review", "`?state=in_review`"}, {"list_by_deadline", "`?sort=deadline`"}, {"list_in_review_by_deadline", "`?state=in_review&sort=deadline`"}, {"demand", "`GET /v1/demands/{id}`"}}
	for _, db := range []string{"sqlite", "postgres"} {
		var q queueResult
		if !r.load("queue-"+db+".json", &q) {
			sub.p("| %s | not measured | | | | | | |", db)
			continue
		}
		demands := m.QueueDemands[db]
		atScale := demands == "1000000"
		records := fmt.Sprintf("%s (%s records)", thousands(demands), thousands(strconv.FormatInt(q.Newest, 10)))
		worst := 0.0
		for _, pg := range pages {
			var p50, p95, p99, mx []float64
			errs := 0.0
			for _, run := range q.Runs {
				l := run[pg.key]
				p50, p95, p99, mx = append(p50, l["p50_ms"]), append(p95, l["p95_ms"]), append(p99, l["p99_ms"]), append(mx, l["max_ms"])
				errs += l["errors"]
			}
			s50, _ := spreadOf(p50)
			s95, _ := spreadOf(p95)
			s99, _ := spreadOf(p99)
			smx, _ := spreadOf(mx)
			worst = max(worst, s95.median)
			sub.p("| %s | %s | %s | %.1f | %s | %.1f | %.1f | %.0f |", db, records, pg.name, s50.median, s95.format("", 1), s99.median, smx.max, errs)
		}
		v := verdict{"queue page p95 at 1M demands, " + db, fmt.Sprintf("%.1f ms (worst page's median p95)", worst), "≤ 50 ms", yes(worst <= 50)}
		if !atScale {
			v.figure = fmt.Sprintf("queue page p95 at %s demands (not 1M), %s", thousands(demands), db)
			v.met = nil
		}
		summary = append(summary, v)
	}
	sub.p("")

	// Memory.
	sub.p("## Peak memory of `writ serve`")
	sub.p("")
	sub.p("The peak resident set (`VmHWM` in `/proc/PID/status`) of each `writ serve` process at the end of its run.")
	sub.p("")
	sub.p("| run | peak RSS |")
	sub.p("|---|---|")
	for _, k := range []string{"intake-sqlite", "intake-postgres", "queue-sqlite", "queue-postgres"} {
		kb, ok := m.RSSkB[k]
		if !ok {
			sub.p("| %s | not measured |", k)
			continue
		}
		n, _ := strconv.ParseFloat(kb, 64)
		sub.p("| %s | %.1f MB |", k, n/1024)
		if strings.HasPrefix(k, "queue") {
			db := strings.TrimPrefix(k, "queue-")
			v := verdict{"peak RSS of writ serve at 1M demands, " + db, fmt.Sprintf("%.1f MB", n/1024), "≤ 200 MB", yes(n/1024 <= 200)}
			if m.QueueDemands[db] != "1000000" {
				v.figure, v.met = fmt.Sprintf("peak RSS of writ serve at %s demands (not 1M), %s", thousands(m.QueueDemands[db]), db), nil
			}
			summary = append(summary, v)
		}
	}
	sub.p("")
	if len(m.PrepareSeconds) > 0 {
		sub.p("## Generating the data sets")
		sub.p("")
		sub.p("Made once with `writ demo --demands N` (the bulk import path beyond the first 300) and reused while present; a run that found them cached took only the few seconds to check them.")
		sub.p("")
		sub.p("| database | demands | seconds |")
		sub.p("|---|---|---|")
		for _, db := range []string{"sqlite", "postgres"} {
			if s, ok := m.PrepareSeconds[db]; ok {
				sub.p("| %s | %s | %s |", db, thousands(m.QueueDemands[db]), s)
			}
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
	fmt.Fprint(r.w, body.String())
	if notes, err := os.ReadFile(notesPath); err == nil {
		fmt.Fprint(r.w, string(notes))
	}
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
