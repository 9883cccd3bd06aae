package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"writ"
	"writ/auditlog"
	"writ/casework"
	"writ/report"
	"writ/rules"
	"writ/store"
	"writ/store/storetest"
)

// The benchmarks time a half-year's report (BuildReport: the checkpoint
// check, the GROUP BY, the replay of demands changed since the checkpoint,
// the independent count and the reconciliation) against the plain GROUP BY
// computing the same table (ReportBaseline), over a decade of generated
// demands: WRIT_BENCH_DEMANDS of them, 200,000 by default.
//
//	go test ./store -run '^$' -bench BenchmarkReport -benchtime 5x
//	WRIT_BENCH_DEMANDS=10000000 go test ./store -run '^$' -bench BenchmarkReport -benchtime 3x -timeout 2h
//
// The goal is a report in at most 1.5 times the GROUP BY's time.

func BenchmarkReportSQLite(b *testing.B) {
	benchmarkReport(b, filepath.Join(b.TempDir(), "writ.db"))
}

func BenchmarkReportPostgres(b *testing.B) {
	base := os.Getenv("WRIT_TEST_POSTGRES")
	if base == "" {
		base = storetest.DefaultPostgres
	}
	db, err := sql.Open("pgx", base)
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		b.Skipf("no PostgreSQL at %s: %v", base, err)
	}
	defer db.Close()
	var r [6]byte
	rand.Read(r[:])
	schema := "writ_bench_" + hex.EncodeToString(r[:])
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Exec("DROP SCHEMA " + schema + " CASCADE") })
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	benchmarkReport(b, u.String())
}

func benchmarkReport(b *testing.B, dsn string) {
	ctx := context.Background()
	n := 200000
	if v, err := strconv.Atoi(os.Getenv("WRIT_BENCH_DEMANDS")); err == nil && v > 0 {
		n = v
	}
	rb, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, dsn, store.Options{Rules: rb, Assessor: casework.NewAssessor(rb), Jobs: storetest.Jobs(b, dsn, nil)})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if _, err := storetest.FillDemands(ctx, st, dsn, n); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d demands generated in %s", n, time.Since(start).Round(time.Millisecond))
	key, err := auditlog.LoadOrCreateKey(filepath.Join(b.TempDir(), "log.key"), "writ.bench/log")
	if err != nil {
		b.Fatal(err)
	}
	signed, err := st.IssueCheckpoint(ctx, key.Signer)
	if err != nil {
		b.Fatal(err)
	}
	period := report.Period{Year: 2026, Half: 1}
	asOf := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	// Once untimed, so that both start from a warm cache.
	reports := report.NewService(st, rb, nil)
	opts := report.BuildOptions{Period: period, Checkpoint: signed, Verifier: key.Verifier, AsOf: asOf}
	r, err := reports.BuildReport(ctx, writ.System(), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: %d demands of %d countries", period, r.Totals.Demands, len(r.Countries))
	var report, baseline time.Duration
	b.Run("BuildReport", func(b *testing.B) {
		t := time.Now()
		for b.Loop() {
			if _, err := reports.BuildReport(ctx, writ.System(), opts); err != nil {
				b.Fatal(err)
			}
		}
		report = time.Since(t) / time.Duration(b.N)
	})
	b.Run("GroupBy", func(b *testing.B) {
		t := time.Now()
		for b.Loop() {
			if _, err := st.ReportBaseline(ctx, period.ReportPeriod(), asOf); err != nil {
				b.Fatal(err)
			}
		}
		baseline = time.Since(t) / time.Duration(b.N)
	})
	if baseline > 0 {
		b.Logf("report %s, GROUP BY %s: %.2f× (goal ≤ 1.5×)", report, baseline, float64(report)/float64(baseline))
	}
}
