package ops

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"writ"
	"writ/store"
)

// Counts reads what the database-backed metrics report (*store.Store).
type Counts interface {
	OperationsCounts(ctx context.Context) (store.Operations, error)
}

// Metrics are writ's Prometheus metrics: the HTTP requests this process
// served, the database's counts (read at scrape time, at most once per
// cache period, however often it is scraped) and its connection pool.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// NewMetrics registers every family. counts are read at most once every
// cacheFor (a scrape within it gets the last reading); db is the
// connection pool whose use is reported.
func NewMetrics(counts Counts, db *sql.DB, cacheFor time.Duration, now func() time.Time) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "writ_http_requests_total", Help: "HTTP requests served, by method, route pattern and status.",
	}, []string{"method", "route", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "writ_http_request_duration_seconds", Help: "Time to answer an HTTP request, by method and route pattern.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"method", "route"})
	m.reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db, "writ"),
		&countsCollector{counts: counts, cacheFor: cacheFor, now: now})
	return m
}

// Handler serves the metrics in the Prometheus text exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Serve gives every request an id (see RequestIDHeader) and, with m, counts
// and times it by the route that served it.
func Serve(next http.Handler, m *Metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		r, rq := withRequest(w, r)
		if m == nil {
			next.ServeHTTP(w, r)
			return
		}
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := rq.route
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(r.Method, route, strconv.Itoa(rec.status)).Inc()
		m.latency.WithLabelValues(r.Method, route).Observe(time.Since(start).Seconds())
	})
}

// statusWriter notes the status of an answer.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

var (
	descDemands = prometheus.NewDesc("writ_demands", "Demands by state.", []string{"state"}, nil)
	descOpen    = prometheus.NewDesc("writ_deadlines_open", "Deadlines still owed.", nil, nil)
	descOverdue = prometheus.NewDesc("writ_deadlines_overdue", "Owed deadlines whose time has passed, of demands not closed.", nil, nil)
	descJobs    = prometheus.NewDesc("writ_jobs", "River jobs by kind and state.", []string{"kind", "state"}, nil)
	descJobAge  = prometheus.NewDesc("writ_job_oldest_age_seconds", "Age of the oldest job of a kind waiting or running in a state.", []string{"kind", "state"}, nil)
	descDeliv   = prometheus.NewDesc("writ_notice_deliveries", "Notice deliveries by channel and state.", []string{"channel", "state"}, nil)
	descFailed  = prometheus.NewDesc("writ_notice_delivery_failures", "Notice deliveries that failed for good, by channel.", []string{"channel"}, nil)
	descTries   = prometheus.NewDesc("writ_notice_delivery_attempts", "Tries made at notice deliveries, by channel.", []string{"channel"}, nil)
	descLog     = prometheus.NewDesc("writ_log_entries", "Entries in the audit log.", nil, nil)
	descCkpt    = prometheus.NewDesc("writ_log_checkpoint_age_seconds", "Time since the latest checkpoint of the audit log was signed (-1: none yet).", nil, nil)
	descUp      = prometheus.NewDesc("writ_database_counts_up", "1 if the database's counts could be read at the last reading, else 0.", nil, nil)
	descAge     = prometheus.NewDesc("writ_database_counts_age_seconds", "How old the database's counts reported are (they are cached between readings).", nil, nil)
)

// countsCollector reports the database's counts, read at most once every
// cacheFor.
type countsCollector struct {
	counts   Counts
	cacheFor time.Duration
	now      func() time.Time

	mu     sync.Mutex
	last   store.Operations
	readAt time.Time
	ok     bool
}

func (c *countsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descDemands, descOpen, descOverdue, descJobs, descJobAge, descDeliv, descFailed, descTries, descLog, descCkpt, descUp, descAge} {
		ch <- d
	}
}

// read returns the counts, reading them again once the cached ones are
// older than cacheFor. Only one scrape at a time reads.
func (c *countsCollector) read() (store.Operations, time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.readAt.IsZero() || time.Since(c.readAt) >= c.cacheFor {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		ops, err := c.counts.OperationsCounts(ctx)
		cancel()
		c.readAt, c.ok = time.Now(), err == nil
		if err == nil {
			c.last = ops
		}
	}
	return c.last, c.readAt, c.ok
}

func (c *countsCollector) Collect(ch chan<- prometheus.Metric) {
	ops, readAt, ok := c.read()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(descUp, map[bool]float64{true: 1}[ok])
	gauge(descAge, time.Since(readAt).Seconds())
	if !ok && ops.DemandsByState == nil {
		return
	}
	for _, s := range writ.States() {
		gauge(descDemands, float64(ops.DemandsByState[string(s)]), string(s))
	}
	gauge(descOpen, float64(ops.OpenDeadlines))
	gauge(descOverdue, float64(ops.OverdueDeadlines))
	// Every kind that has jobs has an age for each waiting state, 0 when
	// none waits in it, so that an alert on it has a series to read.
	ages := map[[2]string]float64{}
	for _, j := range ops.Jobs {
		gauge(descJobs, float64(j.Count), j.Kind, j.State)
		for _, st := range store.PendingJobStates {
			ages[[2]string{j.Kind, st}] += 0
		}
		if !j.Oldest.IsZero() {
			ages[[2]string{j.Kind, j.State}] = c.now().Sub(j.Oldest).Seconds()
		}
	}
	for k, age := range ages {
		gauge(descJobAge, age, k[0], k[1])
	}
	deliveries := map[[2]string]float64{}
	for _, ch := range store.DeliveryChannels {
		for _, st := range store.DeliveryStates {
			deliveries[[2]string{ch, st}] = 0
		}
	}
	for _, d := range ops.Deliveries {
		deliveries[[2]string{d.Channel, d.State}] = float64(d.Count)
	}
	for k, n := range deliveries {
		gauge(descDeliv, n, k[0], k[1])
	}
	for _, ch := range store.DeliveryChannels {
		gauge(descTries, float64(ops.DeliveryAttempts[ch]), ch)
		gauge(descFailed, deliveries[[2]string{ch, "failed"}], ch)
	}
	gauge(descLog, float64(ops.LogSize))
	age := -1.0
	if !ops.LastCheckpoint.IsZero() {
		age = c.now().Sub(ops.LastCheckpoint).Seconds()
	}
	gauge(descCkpt, age)
}
