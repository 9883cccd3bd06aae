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
	"writ/store"
	"writ/web"
)

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
	quotaDemand := fs.Int64("upload-quota-demand", store.DefaultDemandQuota>>20, "the `MiB` of documents a demand may hold")
	quotaAgency := fs.Int64("upload-quota-agency", store.DefaultAgencyQuota>>20, "the `MiB` of documents an agency's users may upload in 24 hours")
	languages := fs.String("certificate-languages", "en", "comma-separated `codes` of the languages in which the provider accepts European Production\nand Preservation Order certificates, shown to authorities in the portal and on the Annex III drafts")
	nf := addNotifyFlags(fs)
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if err := nf.check(); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(sio.err, nil))
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
	// The log's checkpoints are signed by one server at a time, as a
	// periodic job.
	worker.Periodic = []notify.Periodic{{Name: "checkpoint", Every: *every, Run: func(ctx context.Context) error {
		return signCheckpoint(ctx, st, key)
	}}}
	if (*tlsCert == "") != (*tlsKey == "") {
		return writ.Errorf(writ.EINVALID, "--tls-cert and --tls-key go together")
	}
	useTLS := *tlsCert != ""
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
	// process hashes at once.
	identities := identity.New(st)
	api := httpapi.New(httpapi.Options{Store: st, Identity: identities, Rules: rb, Logger: log, LogKey: key, Now: nf.now, TrustedProxies: trusted})
	// The web application shares the port: the API's paths go to the API,
	// every other path is a page.
	app, err := web.New(web.Options{Store: st, Identity: identities, Logger: log, Now: nf.now, Secure: useTLS, TrustedProxies: trusted,
		CertificateLanguages: strings.Split(*languages, ",")})
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           web.Mount(api.Hardened(httpapi.Limits{PerToken: *perToken, PerIP: *perIP}, useTLS), app),
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
	log.Info("serving", "addr", ln.Addr().String(), "rulebook", rb.Version(), "postgres", st.Postgres())
	jobs, stopJobs := context.WithCancel(ctx)
	defer stopJobs()
	worked := make(chan error, 1)
	go func() { worked <- worker.Run(jobs) }()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		stopJobs()
		return errors.Join(err, <-worked)
	case err := <-worked:
		if ctx.Err() == nil {
			return errors.Join(err, srv.Close())
		}
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	// The running jobs finish (or are cancelled after their time) before
	// the database closes.
	stopJobs()
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return <-worked
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
