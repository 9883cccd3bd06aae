//go:build unix

package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"writ/store/storetest"
)

// get fetches url and returns the status and body; an error fails the test.
func get(t *testing.T, hc *http.Client, url string) (int, string) {
	t.Helper()
	res, err := hc.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// /metrics, on its own address, parses with Prometheus's text parser and
// carries every family writ documents, with the values of what was done:
// requests by route and status with their latencies, demands by state,
// deadlines, jobs, notice deliveries, the log and its checkpoint, and the
// database pool. Request ids come back in X-Request-Id (a well-formed one
// given is kept, another replaced) and are in the JSON log lines. Go's
// profiles are served on the metrics address and not on the public one.
func TestMetricsAndRequestIDs(t *testing.T) {
	t.Parallel()
	db := storetest.PostgresSchema(t)
	tokens := loadDemo(t, db)
	metricsAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	s := startServer(t, db, filepath.Join(t.TempDir(), "log.key"), "--metrics-addr", metricsAddr, "--log-format", "json", "--job-poll", "100ms")
	c := newClient(t)
	const n = 3
	for i := range n {
		r, err := c.submit(s.url, tokens["agency"], fmt.Sprintf("metrics-%d", i), fmt.Sprintf("MX-%d", i))
		if err != nil || r.status != 201 {
			t.Fatalf("submit: %v %d %s", err, r.status, r.body)
		}
	}
	// Request ids: made, kept when well-formed, replaced when not (raw:
	// the test sets and reads the X-Request-Id header itself).
	req, _ := http.NewRequest("GET", s.url+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+tokens["reviewer"])
	req.Header.Set("X-Request-Id", "trace-0123456789abcdef")
	res, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("X-Request-Id"); got != "trace-0123456789abcdef" {
		t.Fatalf("a well-formed X-Request-Id came back as %q", got)
	}
	req.Header.Set("X-Request-Id", "bad id\" injected=1")
	res, err = c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("X-Request-Id"); len(got) != 32 || strings.Contains(got, " ") {
		t.Fatalf("a malformed X-Request-Id was answered with %q, not a new id", got)
	}
	found := false
	for line := range strings.SplitSeq(s.stderr.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		if rec["msg"] == "request" && rec["path"] == "/v1/me" && rec["request_id"] == "trace-0123456789abcdef" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no JSON log line of GET /v1/me carries its request_id:\n%s", s.stderr.String())
	}
	if status, _ := get(t, c.hc, s.url+"/signin"); status != 200 {
		t.Fatalf("GET /signin: %d", status)
	}
	// The metrics are not on the public address.
	if status, _ := get(t, c.hc, s.url+"/metrics"); status != http.StatusNotFound {
		t.Fatalf("GET /metrics on the public address: %d, want 404", status)
	}
	// Nor are Go's profiles, which are on the metrics address only.
	if status, _ := get(t, c.hc, s.url+"/debug/pprof/"); status != http.StatusNotFound {
		t.Fatalf("GET /debug/pprof/ on the public address: %d, want 404", status)
	}
	if status, body := get(t, c.hc, "http://"+metricsAddr+"/debug/pprof/"); status != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Fatalf("GET /debug/pprof/ on the metrics address: %d\n%s", status, body)
	}
	if status, _ := get(t, c.hc, "http://"+metricsAddr+"/debug/pprof/profile?seconds=1"); status != http.StatusOK {
		t.Fatalf("GET /debug/pprof/profile on the metrics address: %d", status)
	}
	if r, err := read(c.raw(s.url, tokens["admin"]).IssueCheckpoint(context.Background())); err != nil || r.status >= 300 {
		t.Fatalf("POST /v1/log/checkpoints: %v %d %s", err, r.status, r.body)
	}
	families := scrape(t, c.hc, "http://"+metricsAddr+"/metrics")

	requests := families["writ_http_requests_total"]
	if v := sample(requests, map[string]string{"method": "POST", "route": "POST /v1/demands", "status": "201"}); v != n {
		t.Fatalf("writ_http_requests_total of POST /v1/demands 201 = %v, want %d", v, n)
	}
	if v := sample(requests, map[string]string{"method": "GET", "route": "GET /signin", "status": "200"}); v != 1 {
		t.Fatalf("writ_http_requests_total of GET /signin 200 = %v, want 1", v)
	}
	latency := families["writ_http_request_duration_seconds"]
	if latency == nil || latency.GetType() != dto.MetricType_HISTOGRAM {
		t.Fatalf("writ_http_request_duration_seconds is not a histogram: %v", latency)
	}
	for _, m := range latency.Metric {
		if labels(m)["route"] == "POST /v1/demands" && m.Histogram.GetSampleCount() != n {
			t.Fatalf("the latency histogram of POST /v1/demands counts %d requests, want %d", m.Histogram.GetSampleCount(), n)
		}
	}
	total := 0.0
	for _, m := range families["writ_demands"].GetMetric() {
		total += m.Gauge.GetValue()
	}
	if total != n {
		t.Fatalf("writ_demands sums to %v, want %d", total, n)
	}
	raw, err := sql.Open("pgx", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var open int
	if err := raw.QueryRow(`SELECT count(*) FROM deadlines WHERE status = 'open'`).Scan(&open); err != nil {
		t.Fatal(err)
	}
	if v := sample(families["writ_deadlines_open"], nil); v != float64(open) {
		t.Fatalf("writ_deadlines_open = %v, the database holds %d", v, open)
	}
	if v := sample(families["writ_deadlines_overdue"], nil); v != 0 {
		t.Fatalf("writ_deadlines_overdue = %v, want 0 right after intake", v)
	}
	if len(families["writ_jobs"].GetMetric()) == 0 || len(families["writ_job_oldest_age_seconds"].GetMetric()) == 0 {
		t.Fatalf("no jobs in the metrics: %v", families["writ_jobs"])
	}
	for _, name := range []string{"writ_notice_deliveries", "writ_notice_delivery_failures", "writ_notice_delivery_attempts"} {
		if len(families[name].GetMetric()) == 0 {
			t.Fatalf("%s has no series", name)
		}
	}
	if v := sample(families["writ_log_entries"], nil); v < n {
		t.Fatalf("writ_log_entries = %v, want at least %d", v, n)
	}
	if v := sample(families["writ_log_checkpoint_age_seconds"], nil); v < 0 || v > 60 {
		t.Fatalf("writ_log_checkpoint_age_seconds = %v just after a checkpoint was signed", v)
	}
	if v := sample(families["writ_database_counts_up"], nil); v != 1 {
		t.Fatalf("writ_database_counts_up = %v", v)
	}
	if v := sample(families["go_sql_open_connections"], map[string]string{"db_name": "writ"}); v < 1 {
		t.Fatalf("go_sql_open_connections = %v", v)
	}
	if _, ok := families["go_sql_in_use_connections"]; !ok {
		t.Fatal("no go_sql_in_use_connections")
	}
}

// scrape reads url in the Prometheus text format.
func scrape(t *testing.T, hc *http.Client, url string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := hc.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return families
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.Label {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// sample is the value of f's series with these labels (every one must
// match), or -1 when there is none.
func sample(f *dto.MetricFamily, want map[string]string) float64 {
	for _, m := range f.GetMetric() {
		got, ok := labels(m), true
		for k, v := range want {
			ok = ok && got[k] == v
		}
		if !ok {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		}
	}
	return -1
}

// A request that needs a lock another session holds longer than
// --db-lock-timeout is answered 503 with a clear message once the timeout
// passes, not left hanging, and nothing of it is written.
func TestLockHeldTooLongAnswersAnError(t *testing.T) {
	db := storetest.PostgresSchema(t)
	tokens := loadDemo(t, db)
	s := startServer(t, db, filepath.Join(t.TempDir(), "log.key"), "--db-lock-timeout", "300ms")
	raw, err := sql.Open("pgx", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	tx, err := raw.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// Every intake inserts a demand, which this lock holds up (reads go on).
	if _, err := tx.Exec(`LOCK TABLE demands IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	c := newClient(t)
	start := time.Now()
	r, err := c.submit(s.url, tokens["agency"], "locked-1", "LOCK-1")
	took := time.Since(start)
	if err != nil {
		t.Fatalf("no answer while the lock was held: %v", err)
	}
	if r.status != http.StatusServiceUnavailable || !strings.Contains(string(r.body), "busy") || took > 10*time.Second {
		t.Fatalf("with the demands table locked: %d after %s: %s", r.status, took, r.body)
	}
	tx.Rollback()
	r, err = c.submit(s.url, tokens["agency"], "locked-1", "LOCK-1")
	if err != nil || r.status != http.StatusCreated || r.replayed {
		t.Fatalf("the same submission once the lock is gone: %v %d replayed=%v %s", err, r.status, r.replayed, r.body)
	}
	if got := c.listDemands(t, s.url, tokens["reviewer"]); len(got) != 1 {
		t.Fatalf("%d demands, want 1", len(got))
	}
}
