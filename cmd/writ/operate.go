package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"writ"
	"writ/ops"
	"writ/store"
)

// opsFlags are serve's settings for running it as a service: log format,
// metrics, the bounds of its PostgreSQL sessions, and of its shutdown.
type opsFlags struct {
	logFormat, metricsAddr                        string
	metricsCache, shutdown, idempotencyTTL        time.Duration
	lockTimeout, statementTimeout, idleTx, keepal time.Duration
}

func addOpsFlags(fs *flag.FlagSet) *opsFlags {
	f := &opsFlags{}
	d := store.DefaultTimeouts
	fs.StringVar(&f.logFormat, "log-format", "text", "the log's format: text (key=value) or json (one object a line, for log shippers)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at /metrics (and /livez, /readyz, and Go's profiles under /debug/pprof/) on this `address`, apart from the public one\n(default: no metrics)")
	fs.DurationVar(&f.metricsCache, "metrics-cache", 15*time.Second, "how long the database's counts in the metrics are kept before a scrape reads them again")
	fs.DurationVar(&f.idempotencyTTL, "idempotency-ttl", store.DefaultIdempotencyTTL, "how long an Idempotency-Key is remembered; older ones are forgotten every hour")
	fs.DurationVar(&f.shutdown, "shutdown-timeout", 30*time.Second, "on SIGTERM, how long requests in flight may take to finish before their connections are closed")
	fs.DurationVar(&f.lockTimeout, "db-lock-timeout", d.Lock, "PostgreSQL lock_timeout: how long a statement waits for a lock before it fails (0: PostgreSQL's setting)")
	fs.DurationVar(&f.statementTimeout, "db-statement-timeout", d.Statement, "PostgreSQL statement_timeout: how long one statement may run (0: PostgreSQL's setting)")
	fs.DurationVar(&f.idleTx, "db-idle-in-transaction-timeout", d.IdleInTransaction, "PostgreSQL idle_in_transaction_session_timeout: a connection idle inside a transaction longer is ended by\nthe server, releasing its locks (0: PostgreSQL's setting)")
	fs.DurationVar(&f.keepal, "db-keepalive", d.Keepalive, "TCP keepalive period of PostgreSQL connections, at writ's end and the server's (0: the systems' own)")
	return f
}

// check refuses settings that cannot work.
func (f *opsFlags) check() error {
	if f.metricsCache <= 0 || f.shutdown <= 0 || f.idempotencyTTL <= 0 {
		return writ.Errorf(writ.EINVALID, "--metrics-cache, --shutdown-timeout and --idempotency-ttl must be positive")
	}
	for name, d := range map[string]time.Duration{"db-lock-timeout": f.lockTimeout, "db-statement-timeout": f.statementTimeout,
		"db-idle-in-transaction-timeout": f.idleTx, "db-keepalive": f.keepal} {
		if d < 0 || d > 0 && d < time.Millisecond {
			return writ.FieldErrorf(name, "must be 0 or at least 1ms, not %s", d)
		}
	}
	return nil
}

// logger is the server's logger in the chosen format.
func (f *opsFlags) logger(sio *stdio) (*slog.Logger, error) {
	log, err := ops.NewLogger(sio.err, f.logFormat)
	if err != nil {
		return nil, writ.FieldErrorf("log-format", "must be text or json, not %q", f.logFormat)
	}
	return log, nil
}

func (f *opsFlags) timeouts() *store.Timeouts {
	return &store.Timeouts{Lock: f.lockTimeout, Statement: f.statementTimeout, IdleInTransaction: f.idleTx, Keepalive: f.keepal}
}

// front puts the health endpoints beside app and gives every request an
// id and its metrics.
func front(app http.Handler, ready ops.Readiness, m *ops.Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", routed(ops.Livez))
	mux.HandleFunc("GET /readyz", routed(ready.Readyz))
	mux.Handle("/", app)
	return ops.Serve(mux, m)
}

// routed notes the route of a handler registered here for the metrics.
func routed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ops.NoteRoute(r)
		h(w, r)
	}
}

// metricsServer serves /metrics, /livez and /readyz on addr, or is nil
// without an address. It also serves Go's profiles under /debug/pprof/,
// so that an operator (and bench/run) can see where the server's time
// goes; they are on this operator-only address, never the public one,
// because a profile names the code and a trace shows the requests.
func (f *opsFlags) metricsServer(ready ops.Readiness, m *ops.Metrics, log *slog.Logger) (*http.Server, net.Listener, error) {
	if f.metricsAddr == "" {
		return nil, nil, nil
	}
	ln, err := net.Listen("tcp", f.metricsAddr)
	if err != nil {
		return nil, nil, hinted{err: fmt.Errorf("listen on %s: %w", f.metricsAddr, err), hint: "choose another address with --metrics-addr"}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("GET /livez", ops.Livez)
	mux.HandleFunc("GET /readyz", ready.Readyz)
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	// A profile takes as long as it is asked to: no write timeout here.
	return &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}, ln, nil
}

// serveUntilDone serves srv on ln (and metrics on mln when set) and works
// the jobs until ctx ends or one of them fails. On ctx's end (SIGTERM or
// SIGINT) it stops accepting connections, lets the requests in flight
// finish for up to the shutdown bound, then stops the jobs (the running
// ones get their own bound, see notify.Worker.Run) and returns once every
// goroutine it started has ended.
func (f *opsFlags) serveUntilDone(ctx context.Context, log *slog.Logger, srv *http.Server, ln net.Listener, msrv *http.Server, mln net.Listener, work func(context.Context) error) error {
	jobs, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer stopJobs()
	worked := make(chan error, 1)
	go func() { worked <- work(jobs) }()
	done := make(chan error, 2)
	go func() { done <- srv.Serve(ln) }()
	servers := 1
	if msrv != nil {
		servers++
		go func() { done <- msrv.Serve(mln) }()
	}
	var failed error
	select {
	case err := <-done:
		servers--
		failed = err
	case err := <-worked:
		worked <- err // read again below
		failed = errors.New("the job worker stopped")
	case <-ctx.Done():
		log.Info("shutting down: no new connections; waiting for requests in flight", "bound", f.shutdown)
	}
	shutdown, cancel := context.WithTimeout(context.Background(), f.shutdown)
	defer cancel()
	errs := []error{failed}
	for _, s := range []*http.Server{srv, msrv} {
		if s == nil {
			continue
		}
		if err := s.Shutdown(shutdown); err != nil {
			errs = append(errs, err, s.Close())
		}
	}
	for ; servers > 0; servers-- {
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	// The running jobs finish (or are cancelled after their bound) before
	// the database closes.
	stopJobs()
	errs = append(errs, <-worked)
	log.Info("stopped")
	return errors.Join(errs...)
}
