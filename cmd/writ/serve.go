package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"writ"
	"writ/auditlog"
	"writ/httpapi"
	"writ/identity"
	"writ/notify"
	"writ/ops"
	"writ/store"
	"writ/web"
)

// runServe starts the server; the serving and the shutdown are
// opsFlags.serveUntilDone's.
//
// Long because: it is start-up in order — flags, database, keys, jobs,
// handlers, listeners — each a few lines that depend on the ones before;
// split, each piece would be called once and read out of order.
func runServe(ctx context.Context, sio *stdio, args []string) error {
	fs := newFlagSet(sio, "serve", "serve [--addr HOST:PORT] [--db PATH|URL] [--rulebook DIR]")
	sf := addStoreFlags(fs, true)
	sf.create = true
	kf := addLogKeyFlags(fs, true)
	addr := fs.String("addr", "127.0.0.1:8080", "the `address` to listen on (port 0 picks a free port)")
	every := fs.Duration("checkpoint-interval", time.Minute, "how often to sign a checkpoint of the audit log while it grows")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with this certificate `file` (PEM; with --tls-key)")
	tlsKey := fs.String("tls-key", "", "the certificate's private key `file` (PEM)")
	perToken := fs.Float64("rate-limit", 50, "requests a second allowed per API token, in bursts of twice that (0: no limit)")
	perIP := fs.Float64("rate-limit-ip", 100, "requests a second allowed per client address (0: no limit)")
	proxies := fs.String("trusted-proxy", "", "comma-separated `addresses` or CIDR ranges of proxies (a load balancer) whose X-Forwarded-For names the client,\nfor rate limits, sign-in throttles and the audit log")
	proxyTLS := fs.Bool("proxy-tls", false, "the trusted proxy (--trusted-proxy) terminates TLS: cookies are marked Secure (with the __Host- prefix) and\nanswers carry HSTS although writ itself serves plain HTTP to the proxy")
	quotaDemand := fs.Int64("upload-quota-demand", store.DefaultDemandQuota>>20, "the `MiB` of documents a demand may hold")
	quotaAgency := fs.Int64("upload-quota-agency", store.DefaultAgencyQuota>>20, "the `MiB` of documents an agency's users may upload in 24 hours")
	languages := fs.String("certificate-languages", "en", "comma-separated `codes` of the languages in which the provider accepts European Production\nand Preservation Order certificates, shown to authorities in the portal and on the Annex III drafts")
	nf := addNotifyFlags(fs)
	of := addOpsFlags(fs)
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if err := errors.Join(nf.check(), of.check()); err != nil {
		return err
	}
	log, err := of.logger(sio)
	if err != nil {
		return err
	}
	trusted, err := parsePrefixes(*proxies)
	if err != nil {
		return err
	}
	if *quotaDemand <= 0 || *quotaAgency <= 0 {
		return writ.Errorf(writ.EINVALID, "--upload-quota-demand and --upload-quota-agency must be positive")
	}
	sf.configure = func(o *store.Options, q *notify.QueueOptions) {
		nf.configure(o, q)
		o.DemandQuota, o.AgencyQuota = *quotaDemand<<20, *quotaAgency<<20
		o.Timeouts, o.IdempotencyTTL = of.timeouts(), of.idempotencyTTL
	}
	st, rb, err := sf.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	key, err := kf.load(sf.db)
	if err != nil {
		return err
	}
	if err := st.RecordRulebook(ctx, writ.System()); err != nil {
		return err
	}
	if *every <= 0 {
		return writ.Errorf(writ.EINVALID, "--checkpoint-interval must be positive")
	}
	worker, err := nf.worker(st, rb, log)
	if err != nil {
		return err
	}
	// A checkpoint of the log as it stands is signed before anything is
	// served, so that the log can be verified from the first moment;
	// later ones, and the forgetting of expired Idempotency-Keys, are
	// periodic jobs run by one server at a time.
	if err := signCheckpoint(ctx, st, key); err != nil {
		log.Warn("no checkpoint signed at start: the periodic job will sign one", "err", err)
	}
	worker.Periodic = []notify.Periodic{{Name: "checkpoint", Every: *every, Run: func(ctx context.Context) error {
		return signCheckpoint(ctx, st, key)
	}}, {Name: "prune-idempotency-keys", Every: time.Hour, Run: func(ctx context.Context) error {
		_, err := st.PruneIdempotencyKeys(ctx)
		return err
	}}}
	if (*tlsCert == "") != (*tlsKey == "") {
		return writ.Errorf(writ.EINVALID, "--tls-cert and --tls-key go together")
	}
	useTLS := *tlsCert != ""
	if *proxyTLS && len(trusted) == 0 {
		return writ.FieldErrorf("proxy-tls", "needs --trusted-proxy: only a proxy writ trusts may terminate TLS for it")
	}
	// Browsers see HTTPS whether writ or the proxy in front of it speaks TLS.
	browserTLS := useTLS || *proxyTLS
	var certificate tls.Certificate
	if useTLS {
		if certificate, err = tls.LoadX509KeyPair(*tlsCert, *tlsKey); err != nil {
			return writ.Errorf(writ.EINVALID, "--tls-cert/--tls-key: %v", err)
		}
	}
	if *perToken < 0 || *perIP < 0 {
		return writ.Errorf(writ.EINVALID, "rate limits cannot be negative")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return hinted{err: fmt.Errorf("listen on %s: %w", *addr, err), hint: "choose another address with --addr, or stop what is using it"}
	}
	// One identity service for both: it bounds how many passwords the
	// process hashes at once. It checks them in processes of their own,
	// so that their memory and its garbage collection are never the
	// server's; in this process only where writ runs inside another
	// program (tests), which has no hash-worker command to start.
	identities := identity.New(st)
	if sio.self != "" {
		workers := identity.NewHashWorkers(identity.HashWorkerOptions{Program: sio.self, Args: []string{"writ", "hash-worker"}, Stderr: sio.err, Log: log})
		defer workers.Close()
		identities = identity.NewWithChecker(st, workers)
	}
	api := httpapi.New(httpapi.Options{Store: st, Identity: identities, Rules: rb, Logger: log, LogKey: key, Now: nf.now, TrustedProxies: trusted})
	// The web application shares the port: the API's paths go to the API,
	// every other path is a page.
	app, err := web.New(web.Options{Store: st, Identity: identities, Logger: log, Now: nf.now, Secure: browserTLS, TrustedProxies: trusted,
		CertificateLanguages: strings.Split(*languages, ",")})
	if err != nil {
		return err
	}
	ready := ops.Readiness{Ping: st.Ping, PendingMigrations: st.PendingMigrations,
		Keys: map[string]bool{"log signing key": key != nil, "documents key": sf.keys != nil}}
	var metrics *ops.Metrics
	if of.metricsAddr != "" {
		metrics = ops.NewMetrics(st, st.DB(), of.metricsCache, nf.now)
	}
	msrv, mln, err := of.metricsServer(ready, metrics, log)
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           front(web.Mount(api.Hardened(httpapi.Limits{PerToken: *perToken, PerIP: *perIP}, browserTLS), app), ready, metrics),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// The address line is printed first and alone, so that scripts and
	// tests starting writ on port 0 can read where it listens.
	scheme := "http"
	if useTLS {
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{certificate}}
		ln = tls.NewListener(ln, srv.TLSConfig)
		scheme = "https"
	}
	fmt.Fprintf(sio.out, "writ listening on %s://%s\n", scheme, ln.Addr())
	if mln != nil {
		fmt.Fprintf(sio.out, "writ metrics on http://%s/metrics\n", mln.Addr())
	}
	log.Info("serving", "addr", ln.Addr().String(), "rulebook", rb.Version(), "postgres", st.Postgres())
	// Beside the jobs, every server appends, each second, the events a
	// change left waiting for their place in the audit log (its own
	// sequencing failed, or its server stopped after the commit).
	work := func(ctx context.Context) error {
		sequencing, stop := context.WithCancel(ctx)
		sequenced := make(chan struct{})
		go func() {
			defer close(sequenced)
			st.RunSequencer(sequencing, time.Second, func(err error) { log.Warn("audit log sequencer", "err", err) })
		}()
		err := worker.Run(ctx)
		stop()
		<-sequenced
		return err
	}
	return of.serveUntilDone(ctx, log, srv, ln, msrv, mln, work)
}

// parsePrefixes reads a comma-separated list of addresses and CIDR ranges.
func parsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, writ.FieldErrorf("trusted-proxy", "not an address or CIDR range: %q", item)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// signCheckpoint signs a checkpoint of the audit log unless the latest
// one is of its present size: one is signed at start and then every
// interval while the log grows.
func signCheckpoint(ctx context.Context, st *store.Store, key *auditlog.Key) error {
	size, err := st.LogSize(ctx)
	if err != nil {
		return err
	}
	latest, err := st.LatestCheckpoint(ctx)
	switch {
	case writ.ErrorCode(err) == writ.ENOTFOUND:
	case err != nil:
		return err
	default:
		if cp, err := auditlog.OpenCheckpoint(latest, key.Verifier); err == nil && cp.Size == size {
			return nil
		}
	}
	_, err = st.IssueCheckpoint(ctx, key.Signer)
	return err
}
