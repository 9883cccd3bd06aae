package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

var frozenLine = regexp.MustCompile(`^frozen-server: before ([0-9.]+)/s, during the pause ([0-9.]+)/s, ratio ([0-9.]+), longest wait (\S+)`)

// frozenSection writes the figure of a server stopped mid-load: the
// acknowledgements of the healthy one during the pause ÷ before it.
func (r *report) frozenSection(sub *report, summary *[]verdict) {
	sub.p("## A server stopped mid-load")
	sub.p("")
	sub.p("`go test ./e2e -run TestFrozenServerDoesNotStallTheOther` (output in `bench/out/results/frozen.txt`): two `writ serve` on one PostgreSQL database, three clients submitting demands to each as fast as they are answered; after 5 s one server is stopped with SIGSTOP for 15 s, wherever it was (in an intake's transaction, or holding the audit log's head while appending), as a long GC pause or a frozen VM would. The figure is the demands the healthy server acknowledged a second during the pause ÷ a second before it (above 1 when the stopped server's share of the machine goes to it); the longest wait is the longest the healthy server went without acknowledging one during the pause. The goal: the healthy server keeps at least half its pace.")
	sub.p("")
	data, err := os.ReadFile(filepath.Join(r.dir, "frozen.txt"))
	var before, during, ratios []float64
	var waits []string
	for _, l := range strings.Split(string(data), "\n") {
		m := frozenLine.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		b, _ := strconv.ParseFloat(m[1], 64)
		d, _ := strconv.ParseFloat(m[2], 64)
		q, _ := strconv.ParseFloat(m[3], 64)
		before, during, ratios, waits = append(before, b), append(during, d), append(ratios, q), append(waits, m[4])
	}
	const figure = "demands acknowledged by the healthy server while the other is stopped (SIGSTOP, 15 s) ÷ before, postgres"
	if err != nil || len(ratios) == 0 {
		sub.p("Not measured in this run.")
		sub.p("")
		*summary = append(*summary, verdict{figure, "not measured", "≥ 0.5×", yes(false)})
		return
	}
	bs, _ := spreadOf(before)
	ds, _ := spreadOf(during)
	qs, _ := spreadOf(ratios)
	sub.p("| runs | acknowledged/s before | during the pause | ratio | longest wait in the pause, per run |")
	sub.p("|---|---|---|---|---|")
	sub.p("| %d | %s | %s | %s | %s |", len(ratios), bs.format("/s", 1), ds.format("/s", 1), qs.format("×", 2), strings.Join(waits, ", "))
	sub.p("")
	*summary = append(*summary, verdict{figure, fmt.Sprintf("%.2f× (%.1f ÷ %.1f /s)", qs.median, ds.median, bs.median), "≥ 0.5×", yes(qs.median >= 0.5)})
}

// testSection writes the figure of the test command a newcomer runs: the
// wall time of ./test and the longest it went without printing a line.
const testFigure = "`./test` wall time, warm module cache (longest silence)"

func (r *report) testSection(sub *report, summary *[]verdict) {
	sub.p("## The test command")
	sub.p("")
	sub.p("`./test` from this checkout after `go mod download` (a warm module cache), every line it printed stamped with the time it arrived (in `bench/out/results/test.txt`): its wall time, and the longest it went without printing a line. The goal: at most 5 minutes on this machine, with a line at least every 30 seconds.")
	sub.p("")
	data, err := os.ReadFile(filepath.Join(r.dir, "test.txt"))
	if err != nil {
		sub.p("Not measured in this run.")
		sub.p("")
		*summary = append(*summary, verdict{testFigure, "not measured", "≤ 5 min, a line every 30 s", yes(false)})
		return
	}
	var first, prev, silence float64
	var last, status string
	for i, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		stamp, text, _ := strings.Cut(l, " ")
		t, err := strconv.ParseFloat(stamp, 64)
		if err != nil {
			continue
		}
		if i == 0 {
			first = t
		} else {
			silence = max(silence, t-prev)
		}
		prev = t
		if strings.HasPrefix(text, "EXIT ") {
			status = strings.TrimPrefix(text, "EXIT ")
		} else if strings.Contains(text, " passed, ") {
			last = text
		}
	}
	wall := prev - first
	sub.p("| wall time | longest silence | result | exit status |")
	sub.p("|---|---|---|---|")
	sub.p("| %d:%02d | %.0f s | %s | %s |", int(wall)/60, int(wall)%60, silence, last, status)
	sub.p("")
	*summary = append(*summary, verdict{testFigure, fmt.Sprintf("%d:%02d (%.0f s)", int(wall)/60, int(wall)%60, silence), "≤ 5 min, a line every 30 s",
		yes(wall <= 300 && silence <= 30 && status == "0")})
}
