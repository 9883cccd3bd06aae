// Command reports measures how long writ takes to build a half-year's
// transparency report over a store of many demands, against the plain SQL
// GROUP BY that computes the same table, and what the "writ report"
// command costs in time and memory doing it.
//
//	reports -db PATH|URL -demands N -key FILE -writ BIN [-runs 3] [-prepare]
//
// A store without demands is first filled with N demands received over the
// ten years 2017–2026 (storetest.FillDemands: one INSERT … SELECT, without
// log events); with -prepare it stops there. Then, in this process and
// after one unmeasured build of each, every run times BuildReport (the
// checkpoint's check, the GROUP BY, the replay of demands changed since the
// checkpoint, the independent count and the reconciliation, as "writ
// report" does) and ReportBaseline (the plain GROUP BY) in turn, each
// repeated for at least a second and averaged. Last, "writ report" runs
// once a run on the same store, timed as a whole command with its peak
// resident set from the kernel's accounting. One JSON object goes to
// standard output; -cpuprofile profiles the runs.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"writ"
	"writ/auditlog"
	"writ/casework"
	"writ/notify"
	"writ/report"
	"writ/rules"
	"writ/store"
	"writ/store/storetest"
)

// The report measured: the first half of 2026, judged as of a fixed day so
// that every run reports the same figures.
var (
	period = report.Period{Year: 2026, Half: 1}
	asOf   = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
)

func main() {
	db := flag.String("db", "", "the store: a SQLite path or a postgres:// URL")
	demands := flag.Int("demands", 0, "how many demands the store holds (it is filled when empty)")
	keyFile := flag.String("key", "", "the audit log's signing key file (created if missing)")
	writBin := flag.String("writ", "", "the writ binary, to time \"writ report\"")
	dir := flag.String("dir", ".", "the folder \"writ report\" runs in")
	runs := flag.Int("runs", 3, "how many runs")
	prepare := flag.Bool("prepare", false, "only fill the store")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the timed report builds to this `file`")
	flag.Parse()
	if err := run(context.Background(), *db, *demands, *keyFile, *writBin, *dir, *runs, *prepare, *cpuProfile); err != nil {
		fmt.Fprintln(os.Stderr, "reports:", err)
		os.Exit(1)
	}
}

// result is what one invocation prints.
type result struct {
	Demands          int         `json:"demands"`
	Period           string      `json:"period"`
	PeriodDemands    int64       `json:"period_demands"`
	GeneratedSeconds float64     `json:"generated_seconds,omitempty"`
	Runs             []runResult `json:"runs"`
}

// runResult is one run's figures.
type runResult struct {
	ReportMs  float64 `json:"report_ms"`
	GroupByMs float64 `json:"group_by_ms"`
	CommandMs float64 `json:"command_ms"`
	CommandKB int64   `json:"command_peak_rss_kb"`
}

func run(ctx context.Context, dsn string, n int, keyFile, writBin, dir string, runs int, prepare bool, cpuProfile string) error {
	switch {
	case dsn == "":
		return errors.New("-db: required")
	case n <= 0:
		return errors.New("-demands: required, a positive number")
	case keyFile == "" && !prepare:
		return errors.New("-key: required")
	case writBin == "" && !prepare:
		return errors.New("-writ: required")
	case runs <= 0:
		return errors.New("-runs: must be positive")
	}
	if !prepare {
		// "writ report" runs in dir, so relative paths are made absolute.
		var err error
		if writBin, err = filepath.Abs(writBin); err != nil {
			return err
		}
		if keyFile, err = filepath.Abs(keyFile); err != nil {
			return err
		}
		if !strings.Contains(dsn, "://") {
			if dsn, err = filepath.Abs(dsn); err != nil {
				return err
			}
		}
	}
	rb, err := rules.Default()
	if err != nil {
		return err
	}
	jobs, err := notify.NewQueue(notify.QueueOptions{Postgres: store.PostgresDSN(dsn)})
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, dsn, store.Options{Rules: rb, Assessor: casework.NewAssessor(rb), Jobs: jobs})
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return err
	}
	out := result{Demands: n, Period: period.String()}
	start := time.Now()
	filled, err := storetest.FillDemands(ctx, st, dsn, n)
	if err != nil {
		return err
	}
	if filled {
		out.GeneratedSeconds = time.Since(start).Seconds()
		fmt.Fprintf(os.Stderr, "reports: %d demands generated in %.0f s\n", n, out.GeneratedSeconds)
	}
	if prepare {
		return nil
	}
	key, err := auditlog.LoadOrCreateKey(keyFile, "writ.bench/log")
	if err != nil {
		return err
	}
	signed, err := st.IssueCheckpoint(ctx, key.Signer)
	if err != nil {
		return err
	}
	reports := report.NewService(st, rb, nil)
	opts := report.BuildOptions{Period: period, Checkpoint: signed, Verifier: key.Verifier, AsOf: asOf}
	build := func() error { _, err := reports.BuildReport(ctx, writ.System(), opts); return err }

	groupBy := func() error { _, err := st.ReportBaseline(ctx, period.ReportPeriod(), asOf); return err }
	// Once each unmeasured, so that both start from a warm cache.
	r, err := reports.BuildReport(ctx, writ.System(), opts)
	if err != nil {
		return err
	}
	out.PeriodDemands = r.Totals.Demands
	if err := groupBy(); err != nil {
		return err
	}
	out.Runs = make([]runResult, runs)
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for i := range out.Runs {
		if out.Runs[i].ReportMs, err = timed(build); err != nil {
			return err
		}
		if out.Runs[i].GroupByMs, err = timed(groupBy); err != nil {
			return err
		}
		if out.Runs[i].CommandMs, out.Runs[i].CommandKB, err = command(ctx, writBin, dir, dsn, keyFile); err != nil {
			return err
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// timed runs f for at least a second (and at least once) and returns the
// mean milliseconds a call took.
func timed(f func() error) (float64, error) {
	start := time.Now()
	calls := 0
	for calls == 0 || time.Since(start) < time.Second {
		if err := f(); err != nil {
			return 0, err
		}
		calls++
	}
	return float64(time.Since(start).Microseconds()) / 1000 / float64(calls), nil
}

// command runs "writ report" on the store and returns its wall time in
// milliseconds and its peak resident set in kB.
func command(ctx context.Context, writBin, dir, dsn, keyFile string) (float64, int64, error) {
	cmd := exec.CommandContext(ctx, writBin, "report", "--period", period.String(), "--as-of", asOf.Format(time.RFC3339),
		"--db", dsn, "--log-key", keyFile, "--format", "json", "--out", os.DevNull)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, 0, fmt.Errorf("%s report: %w", filepath.Base(writBin), err)
	}
	took := float64(time.Since(start).Microseconds()) / 1000
	usage, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0, errors.New("the kernel gave no resource usage for writ report")
	}
	// Linux gives ru_maxrss in kilobytes.
	return took, usage.Maxrss, nil
}
