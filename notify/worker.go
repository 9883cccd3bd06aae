package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"writ"
	"writ/rules"
	"writ/store"
)

// Worker carries out the jobs of the store's queue. Several workers (in
// one server or several sharing a PostgreSQL database) may run at once:
// each claims jobs for a lease, and a job is completed by the worker that
// holds it.
type Worker struct {
	Store *store.Store
	Rules *rules.Rulebook
	// Mail sends e-mail; without it the e-mail jobs wait in the queue
	// until a server runs with SMTP configured.
	Mail *SMTP
	// Webhooks posts customers' webhooks.
	Webhooks *Webhooks
	// Templates are the letters; LoadTemplates(Version) when nil.
	Templates *Templates
	// Provider names the provider in letters.
	Provider string
	// Now is the clock.
	Now func() time.Time
	Log *slog.Logger
	// ID names this worker in the queue; random when empty.
	ID string
	// Poll is how often the queue is looked at; Lease how long a claimed
	// job is held (longer than a send may take); Backoff the wait after a
	// first failure, doubled after each further one up to MaxBackoff.
	Poll, Lease, Backoff, MaxBackoff time.Duration
}

func (w *Worker) defaults() error {
	if w.Templates == nil {
		t, err := LoadTemplates(Version)
		if err != nil {
			return err
		}
		w.Templates = t
	}
	if w.ID == "" {
		var b [6]byte
		rand.Read(b[:])
		w.ID = "writ-" + hex.EncodeToString(b[:])
	}
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
	if w.Webhooks == nil {
		w.Webhooks = &Webhooks{Now: w.Now}
	}
	if w.Provider == "" {
		w.Provider = "The provider"
	}
	if w.Poll <= 0 {
		w.Poll = time.Second
	}
	if w.Lease <= 0 {
		w.Lease = 2 * time.Minute
	}
	if w.Backoff <= 0 {
		w.Backoff = 30 * time.Second
	}
	if w.MaxBackoff <= 0 {
		w.MaxBackoff = 6 * time.Hour
	}
	return nil
}

// Kinds are the job kinds this worker carries out. Without SMTP it sends
// no e-mail, but still tries the notices' e-mail, so that their failure
// ("no SMTP server configured") is on record and the legal team sees the
// notice undeliverable instead of a notice that waits in silence; the
// other letters wait in the queue for a server with SMTP.
func (w *Worker) Kinds() []string {
	if w.Mail == nil {
		return []string{store.JobNoticeWebhook, store.JobNoticeEmail}
	}
	return store.JobKinds()
}

// Run works the queue until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.defaults(); err != nil {
		return err
	}
	for {
		n, err := w.RunDue(ctx)
		if err != nil && ctx.Err() == nil {
			w.Log.Warn("job queue", "err", err)
		}
		if n > 0 {
			continue // there may be more
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(w.Poll):
		}
	}
}

// RunDue claims the jobs due now and carries them out, one after another;
// it returns how many it claimed.
func (w *Worker) RunDue(ctx context.Context) (int, error) {
	if err := w.defaults(); err != nil {
		return 0, err
	}
	jobs, err := w.Store.ClaimJobs(ctx, w.ID, w.Kinds(), 10, w.Lease)
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, j := range jobs {
		if err := w.work(ctx, j); err != nil {
			errs = append(errs, fmt.Errorf("job %d (%s %s): %w", j.ID, j.Kind, j.Subject, err))
		}
	}
	return len(jobs), errors.Join(errs...)
}

// backoff is the wait before the next try after attempt failed.
func (w *Worker) backoff(attempt int) time.Duration {
	d := w.Backoff
	for i := 1; i < attempt && d < w.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, w.MaxBackoff)
}

// work carries out one claimed job. A failure to send is recorded on the
// job and retried; an error returned here is one of the database, and the
// job's lease makes it due again.
func (w *Worker) work(ctx context.Context, j store.Job) error {
	f, err := w.Store.JobFacts(ctx, j)
	if err != nil {
		if writ.ErrorCode(err) == writ.ENOTFOUND {
			return w.Store.DropJob(ctx, j, writ.ErrorMessage(err))
		}
		return err
	}
	if f.Skip != "" {
		return w.Store.DropJob(ctx, j, f.Skip)
	}
	if f.NotBefore != nil {
		return w.Store.ReleaseJob(ctx, j, *f.NotBefore)
	}
	o, sendErr, final := w.send(ctx, f)
	if sendErr != nil {
		retry := w.Now().Add(w.backoff(j.Attempt))
		w.Log.Warn("job failed", "job", j.ID, "kind", j.Kind, "attempt", j.Attempt, "err", sendErr)
		return w.Store.FailJob(ctx, j, o, sendErr.Error(), retry, final)
	}
	w.Log.Info("job done", "job", j.ID, "kind", j.Kind, "demand", j.DemandID, "recipients", strings.Join(o.Recipients, ", "))
	return w.Store.CompleteJob(ctx, j, o)
}

// messageID names a job's message on every attempt, so that a recipient
// can drop a copy a crash made it receive twice.
func (w *Worker) messageID(j store.Job) string {
	domain := "writ.invalid"
	if w.Mail != nil {
		if i := strings.LastIndex(w.Mail.From, "@"); i >= 0 {
			domain = strings.Trim(w.Mail.From[i+1:], "> ")
		}
	}
	return fmt.Sprintf("<writ-job-%d@%s>", j.ID, domain)
}

// send renders the job's letter and sends it. final is true when retrying
// cannot help (no address to send to).
func (w *Worker) send(ctx context.Context, f store.JobFacts) (o store.Outcome, err error, final bool) {
	j := f.Job
	o.MessageID, o.Channel, o.Recipients = w.messageID(j), "email", f.Recipients
	data := letterData(w.Rules, w.Provider, f, o.MessageID)
	// A letter is kept as a document for the legal team and its
	// recipient; the legal team's own mail is not kept.
	letter, name, audience := LetterNotice, "notice-letter", writ.AudienceCustomer
	switch j.Kind {
	case store.JobRedirectLetter:
		letter, name, audience = LetterRedirect, "redirect-letter", writ.AudienceAgency
	case store.JobAuthorityNotice:
		letter, name, audience = LetterAuthority, "notification-"+strings.ToLower(f.Authority.Code)+"-"+f.Authority.Country, writ.AudienceLegal
	case store.JobDeadlineReminder, store.JobDeadlineEscalation:
		letter, name = LetterReminder, ""
	case store.JobEmergencyAlert:
		letter, name = LetterEmergency, ""
	}
	r, err := w.Templates.Render(letter, data)
	if err != nil {
		return o, err, true
	}
	if name != "" {
		o.Letters = r.Letters(name, w.Templates.version, audience)
	}
	if j.Kind == store.JobNoticeWebhook {
		o.Channel, o.Recipients = "webhook", []string{f.WebhookURL}
		eventID := fmt.Sprintf("writ-job-%d", j.ID)
		body, err := json.Marshal(WebhookEvent{ID: eventID, Type: "notice", Created: j.Due().UTC(),
			Demand: WebhookDemand{ID: f.Demand.ID, Reference: f.Demand.Reference, Agency: f.Agency.Name, AgencyCountry: f.Agency.Country,
				Instrument: f.Demand.Instrument, Citation: f.Demand.Citation, DataCategories: f.Demand.DataCategories,
				Accounts: f.Demand.Accounts, ReceivedAt: f.Demand.ReceivedAt},
			Action: data.Action, ObjectBy: data.ObjectBy,
			Letter: WebhookLetter{Version: w.Templates.version, Subject: r.Subject, Text: string(r.Text)}})
		if err != nil {
			return o, err, true
		}
		o.MessageID = eventID
		if err := w.Webhooks.Post(ctx, f.WebhookURL, []byte(f.WebhookSecret), eventID, "notice", body); err != nil {
			return o, err, false
		}
		o.Delivered = true
		return o, nil, false
	}
	if len(f.Recipients) == 0 {
		return o, errors.New("no e-mail address on record to send this letter to"), true
	}
	if w.Mail == nil {
		return o, errors.New("no SMTP server configured"), false
	}
	err = w.Mail.Send(ctx, Message{To: f.Recipients, Subject: r.Subject, MessageID: o.MessageID, Date: w.Now(), Text: r.Text, HTML: r.HTML})
	return o, err, false
}
