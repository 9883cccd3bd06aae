package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strings"
	"time"

	"writ"
	"writ/notify"
	"writ/rules"
	"writ/store"
)

// notifyFlags are serve's settings for the jobs writ runs by itself:
// notices, letters, reminders, and the channels they go out on.
type notifyFlags struct {
	smtpAddr, smtpUser, smtpPassword, smtpFrom, smtpStartTLS, smtpCA, smtpHello string
	provider, onCall, site                                                      string
	poll, timeout, lease, backoff, reminderLead, clockOffset, emergencyResponse time.Duration
	attempts                                                                    int
	jobs, webhookLoopback                                                       bool
}

func addNotifyFlags(fs *flag.FlagSet) *notifyFlags {
	f := &notifyFlags{}
	fs.StringVar(&f.smtpAddr, "smtp-addr", "", "the SMTP server (`host:port`) notices and letters are sent through; without it e-mail waits in the queue")
	fs.StringVar(&f.smtpFrom, "smtp-from", "", "the sender `address` of writ's e-mail, e.g. \"Legal <legal@provider.example>\"")
	fs.StringVar(&f.smtpUser, "smtp-user", "", "the SMTP user, for AUTH PLAIN or LOGIN (only over TLS, or to this machine)")
	fs.StringVar(&f.smtpPassword, "smtp-password", "", "the SMTP password (better set by WRIT_SMTP_PASSWORD)")
	fs.StringVar(&f.smtpStartTLS, "smtp-starttls", "auto", "STARTTLS: auto (when offered), always (refuse to send without), never")
	fs.StringVar(&f.smtpCA, "smtp-ca", "", "a PEM `file` of certificates to trust for the SMTP server instead of the system's")
	fs.StringVar(&f.smtpHello, "smtp-hello", "", "the name writ gives in EHLO (default localhost)")
	fs.BoolVar(&f.webhookLoopback, "webhook-allow-loopback", false, "let customers' webhooks reach this machine's loopback addresses (tests and demos; never in production,\nwhere a webhook reaches public addresses only)")
	fs.StringVar(&f.provider, "provider-name", "The provider", "the provider's `name` as letters and certificates of authenticity give it")
	fs.BoolVar(&f.jobs, "jobs", true, "work the notices, letters and reminders in this server (the audit log's checkpoints are signed either way)")
	fs.DurationVar(&f.poll, "job-poll", time.Second, "how often the job queue is looked at")
	fs.DurationVar(&f.timeout, "job-timeout", time.Minute, "how long one attempt at a job (a send) may take before it is cancelled")
	fs.DurationVar(&f.lease, "job-lease", 2*time.Minute, "how long a job may run before another server takes it over\n(at least --job-timeout and 10s more)")
	fs.DurationVar(&f.backoff, "job-backoff", 30*time.Second, "the wait after a job's first failure, doubled after each further one (up to 6h)")
	fs.IntVar(&f.attempts, "job-attempts", 8, "how often a job is tried before it fails for good")
	fs.DurationVar(&f.reminderLead, "reminder-lead", 48*time.Hour, "how long before a deadline falls due the assignee is reminded")
	fs.DurationVar(&f.emergencyResponse, "emergency-response", 4*time.Hour, "how soon after receipt an emergency is to be answered (its response target)")
	fs.StringVar(&f.site, "site-url", "", "the `URL` at which people reach writ's pages (https://writ.provider.example), for the link in the e-mail\nthat tells the other side a message waits (the link is a path alone without it)")
	fs.StringVar(&f.onCall, "on-call-email", "", "the `address` an emergency is announced to the moment it arrives (default: the whole legal team)")
	fs.DurationVar(&f.clockOffset, "clock-offset", 0, "shift this server's clock forward by the `duration` (drills and tests: see what happens when an order ends;\nnever in production)")
	return f
}

// now is the server's clock.
func (f *notifyFlags) now() time.Time { return time.Now().Add(f.clockOffset) }

// configure puts the reminder settings, the clock and the provider's name
// into the store's options, and the tries of a job into the queue's.
func (f *notifyFlags) configure(o *store.Options, q *notify.QueueOptions) {
	o.Now, o.ReminderLead, o.EmergencyResponse, o.Provider = f.now, f.reminderLead, f.emergencyResponse, f.provider
	q.Attempts = f.attempts
}

// check refuses settings of the jobs that cannot work, before anything is
// opened.
func (f *notifyFlags) check() error {
	if f.poll <= 0 || f.timeout <= 0 || f.lease <= 0 || f.backoff <= 0 || f.reminderLead <= 0 || f.attempts <= 0 || f.emergencyResponse <= 0 {
		return writ.Errorf(writ.EINVALID, "--job-poll, --job-timeout, --job-lease, --job-backoff, --reminder-lead, --job-attempts and --emergency-response must be positive")
	}
	// River's rescuer reads the real clock: with this server's clock moved
	// back, it would take this server's running jobs from it early.
	if f.clockOffset < 0 {
		return writ.FieldErrorf("clock-offset", "cannot move the clock back")
	}
	if f.lease < f.timeout+notify.LeaseMargin {
		return writ.FieldErrorf("job-lease", "must be at least --job-timeout (%s) and %s more, for a job to start and its outcome to be recorded", f.timeout, notify.LeaseMargin)
	}
	if f.site != "" {
		u, err := url.Parse(f.site)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return writ.FieldErrorf("site-url", "not an http or https address of writ's pages: %q", f.site)
		}
	}
	return nil
}

// worker builds the job worker; with --jobs=false it signs the log's
// checkpoints only.
func (f *notifyFlags) worker(st *store.Store, rb *rules.Rulebook, log *slog.Logger) (*notify.Worker, error) {
	if f.onCall != "" {
		if a, err := mail.ParseAddress(f.onCall); err != nil || a.Address != f.onCall {
			return nil, writ.FieldErrorf("on-call-email", "not an e-mail address: %q", f.onCall)
		}
	}
	w := &notify.Worker{Records: st, DB: st.DB(), Postgres: st.Postgres(), Rules: rb, Provider: f.provider, OnCall: f.onCall, Now: f.now, Log: log,
		Site: strings.TrimRight(f.site, "/"),
		Poll: f.poll, Timeout: f.timeout, Lease: f.lease, Backoff: f.backoff, Attempts: f.attempts, PeriodicOnly: !f.jobs,
		Webhooks: &notify.Webhooks{Now: f.now, AllowLoopback: f.webhookLoopback}}
	if !f.jobs {
		return w, nil
	}
	if f.smtpAddr == "" {
		log.Warn("no --smtp-addr: letters and reminders wait in the queue, and e-mail notices fail as undeliverable until a server sends them")
		return w, nil
	}
	if _, _, err := net.SplitHostPort(f.smtpAddr); err != nil {
		return nil, writ.FieldErrorf("smtp-addr", "not host:port: %q", f.smtpAddr)
	}
	if _, err := mail.ParseAddress(f.smtpFrom); err != nil {
		return nil, writ.FieldErrorf("smtp-from", "not an e-mail address: %q", f.smtpFrom)
	}
	switch f.smtpStartTLS {
	case "auto", "always", "never":
	default:
		return nil, writ.FieldErrorf("smtp-starttls", "must be auto, always or never")
	}
	m := &notify.SMTP{Addr: f.smtpAddr, From: f.smtpFrom, User: f.smtpUser, Password: f.smtpPassword, StartTLS: f.smtpStartTLS, Hello: f.smtpHello}
	if f.smtpCA != "" {
		pem, err := os.ReadFile(f.smtpCA)
		if err != nil {
			return nil, fmt.Errorf("--smtp-ca: %w", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, writ.FieldErrorf("smtp-ca", "no PEM certificate in %s", f.smtpCA)
		}
		host, _, _ := net.SplitHostPort(f.smtpAddr)
		m.TLS = &tls.Config{RootCAs: roots, ServerName: host}
	}
	w.Mail = m
	return w, nil
}
