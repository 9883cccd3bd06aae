package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"writ"
	"writ/i18n"
)

// errLost means River gave the job to another attempt (this one was held
// up past its lease); nothing is sent or recorded by this one. errLate
// means this attempt still holds its job but started too late to be sure
// it sends and records before the job could be taken back: it gives the
// job back untried.
var (
	errLost = errors.New("the job was taken over by another attempt")
	errLate = errors.New("the attempt started too late to send before its lease could run out")
)

// holds checks, right before a send, that this attempt still holds j: River
// shows it running in this attempt, and the rescuer cannot give it to
// another before this attempt's time is up and its outcome recorded.
func (w *Worker) holds(ctx context.Context, j job) error {
	row, err := w.client.JobGet(ctx, j.ID)
	if err != nil {
		return fmt.Errorf("notify: job %d: %w", j.ID, err)
	}
	if row.State != rivertype.JobStateRunning || row.Attempt != j.Attempt {
		return errLost
	}
	if deadline, ok := ctx.Deadline(); ok && row.AttemptedAt != nil {
		end := w.Now().Add(time.Until(deadline) + settle)
		if !end.Before(row.AttemptedAt.Add(w.Lease)) {
			return errLate
		}
	}
	return nil
}

// complete is River's completion of the job in the recording transaction.
type complete func(context.Context, *sql.Tx) (*rivertype.JobRow, error)

// work carries out one attempt at j. A failure to send is recorded and
// returned, and River tries again after the back-off (or, with the tries
// used, discards the job); a job no longer due is cancelled; one not due
// yet is snoozed until it is.
func (w *Worker) work(ctx context.Context, j job, done complete) error {
	f, err := w.gather(ctx, j)
	if err != nil {
		if writ.ErrorCode(err) == writ.ENOTFOUND {
			return river.JobCancel(errors.New(writ.ErrorMessage(err)))
		}
		return err
	}
	if f.Skip != "" {
		return river.JobCancel(errors.New(f.Skip))
	}
	if f.NotBefore != nil {
		return river.JobSnooze(f.NotBefore.Sub(w.Now()))
	}
	s, sendErr := w.send(ctx, f)
	switch {
	case errors.Is(sendErr, errLost):
		w.Log.Warn("job taken over before it was sent", "job", j.ID, "kind", j.Kind, "attempt", j.Attempt)
		return sendErr
	case errors.Is(sendErr, errLate):
		w.Log.Warn("job given back untried: its attempt started late", "job", j.ID, "kind", j.Kind, "attempt", j.Attempt)
		return river.JobSnooze(0)
	}
	// The outcome is recorded even when the attempt's time ran out as the
	// send ended: what went out must be on record.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), settle)
	defer cancel()
	if sendErr == nil {
		w.Log.Info("job done", "job", j.ID, "kind", j.Kind, "demand", j.DemandID, "recipients", strings.Join(s.Recipients, ", "))
		return w.record(rec, j, s, func(tx *sql.Tx) error {
			if err := w.stillHeld(rec, tx, j); err != nil {
				return err
			}
			row, err := done(rec, tx)
			if err != nil {
				return err
			}
			if row.State != rivertype.JobStateCompleted || row.Attempt != j.Attempt {
				return errLost
			}
			return nil
		})
	}
	s.Error = sendErr.Error()
	if len(s.Error) > 1000 {
		s.Error = s.Error[:1000]
	}
	s.Final = s.Final || j.Attempt >= j.MaxAttempts
	if !s.Final {
		s.RetryAt = w.Now().Add(max(w.backoff(j.Attempt), minRetry)).UTC()
	}
	w.Log.Warn("job failed", "job", j.ID, "kind", j.Kind, "attempt", j.Attempt, "err", sendErr)
	err = w.record(rec, j, s, func(tx *sql.Tx) error {
		if err := w.stillHeld(rec, tx, j); err != nil {
			return err
		}
		return w.fail(rec, tx, j, s)
	})
	// River finds the job ended already and leaves it as it is.
	return errors.Join(sendErr, err)
}

// record keeps the outcome of an attempt at j with finish (RecordSending),
// and tries again for as long as ctx allows while the database answers
// that it is busy or out of reach for a moment: a letter that went out is
// not sent a second time because its record met a lock.
func (w *Worker) record(ctx context.Context, j job, s writ.Sending, finish func(*sql.Tx) error) error {
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		err := w.Records.RecordSending(ctx, s, finish)
		if err == nil || writ.ErrorCode(err) != writ.EUNAVAILABLE {
			return err
		}
		w.Log.Warn("the outcome could not be recorded yet: trying again", "job", j.ID, "kind", j.Kind, "attempt", j.Attempt, "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// fail ends the attempt at j in tx as River ends a failed one, so that the
// failure and the job's next step are committed together: due again at
// s.RetryAt, or when s.Final failed for good (River's "discarded").
func (w *Worker) fail(ctx context.Context, tx *sql.Tx, j job, s writ.Sending) error {
	now := w.Now().UTC()
	e, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: j.Attempt, Error: s.Error})
	if err != nil {
		return err
	}
	end := riverdriver.JobSetStateErrorRetryable(j.ID, s.RetryAt, e, nil)
	if s.Final {
		end = riverdriver.JobSetStateDiscarded(j.ID, now, e, nil)
	}
	rows, err := w.client.Driver().UnwrapExecutor(tx).JobSetStateIfRunningMany(ctx, &riverdriver.JobSetStateIfRunningManyParams{
		ID: []int64{end.ID}, Attempt: []*int{end.Attempt}, ErrData: [][]byte{end.ErrData}, FinalizedAt: []*time.Time{end.FinalizedAt},
		MetadataDoMerge: []bool{false}, MetadataUpdates: [][]byte{nil}, ScheduledAt: []*time.Time{end.ScheduledAt},
		State: []rivertype.JobState{end.State}})
	if err != nil {
		return fmt.Errorf("notify: job %d: %w", j.ID, err)
	}
	if len(rows) != 1 || rows[0].State != end.State {
		return errLost
	}
	return nil
}

// stillHeld checks in tx that this attempt still holds j.
func (w *Worker) stillHeld(ctx context.Context, tx *sql.Tx, j job) error {
	row, err := w.client.JobGetTx(ctx, tx, j.ID)
	if err != nil {
		return fmt.Errorf("notify: job %d: %w", j.ID, err)
	}
	if row.State != rivertype.JobStateRunning || row.Attempt != j.Attempt {
		return errLost
	}
	return nil
}

// messageID names a job's message on every attempt, so that a recipient
// can drop a copy a crash made it receive twice.
func (w *Worker) messageID(j job) string {
	domain := "writ.invalid"
	if w.Mail != nil {
		if i := strings.LastIndex(w.Mail.From, "@"); i >= 0 {
			domain = strings.Trim(w.Mail.From[i+1:], "> ")
		}
	}
	return fmt.Sprintf("<writ-job-%d@%s>", j.ID, domain)
}

// send renders the job's letter and, if this attempt still holds the job,
// sends it. s.Final is set when retrying cannot help (no address to send
// to).
func (w *Worker) send(ctx context.Context, f facts) (s writ.Sending, err error) {
	j := f.Job
	s = writ.Sending{DemandID: j.DemandID, Job: j.Kind, Attempt: j.Attempt, MaxAttempts: j.MaxAttempts,
		MessageID: w.messageID(j), Channel: "email", Recipients: f.Recipients}
	// A letter is kept as a document for the legal team and its
	// recipient; the legal team's own mail is not kept. Each is written
	// in its reader's language: the customer's language of
	// correspondence, for an agency or an authority the language of the
	// demand or of its country (authorityLanguage); the legal team's in
	// English.
	letter, name, audience, lang := LetterNotice, "notice-letter", writ.AudienceCustomer, f.Customer.Language
	switch j.Kind {
	case JobNoticeEmail, JobNoticeWebhook:
		s.Notice = true
	case JobRedirectLetter:
		letter, name, audience, lang = LetterRedirect, "redirect-letter", writ.AudienceAgency, authorityLanguage(w.Rules, f.Demand, f.Agency.Country)
		s.Event = "redirect.letter_sent"
	case JobAuthorityNotice:
		letter, name, audience = LetterAuthority, "notification-"+strings.ToLower(f.Authority.Code)+"-"+f.Authority.Country, writ.AudienceLegal
		lang = authorityLanguage(w.Rules, f.Demand, f.Authority.Country)
		s.Notification = j.Notification
	case JobDeadlineReminder, JobDeadlineEscalation:
		letter, name, lang = LetterReminder, "", i18n.English
		s.Event, s.Detail = "deadline.reminder_sent", map[string]any{"code": j.Code, "due": j.DeadlineDue}
		if j.Kind == JobDeadlineEscalation {
			s.Event = "deadline.escalated"
		}
	case JobEmergencyAlert:
		letter, name, lang = LetterEmergency, "", i18n.English
		s.Event = "emergency.announced"
	case JobMessagePointer:
		letter, name, lang = LetterMessage, "", pointerLanguage(f)
		s.Event, s.Detail = "message.pointer_sent", map[string]any{"message": j.Message, "thread": j.Thread}
	}
	data := letterData(w.Rules, w.Templates.Printer(lang), w.Provider, f, s.MessageID)
	data.Link = w.Site + "/demands/" + strconv.FormatInt(j.DemandID, 10)
	r, err := w.Templates.Render(letter, lang, data)
	if err != nil {
		s.Final = true
		return s, err
	}
	if name != "" {
		s.Letters = r.Letters(name, w.Templates.version, audience)
	}
	if j.Kind == JobNoticeWebhook {
		return w.post(ctx, f, r, data, s)
	}
	if len(f.Recipients) == 0 {
		s.Final = true
		return s, errors.New("no e-mail address on record to send this letter to")
	}
	if w.Mail == nil {
		return s, errors.New("no SMTP server configured")
	}
	if err := w.holds(ctx, j); err != nil {
		return s, err
	}
	return s, w.Mail.Send(ctx, Message{To: f.Recipients, Subject: r.Subject, MessageID: s.MessageID, Date: w.Now(), Text: r.Text, HTML: r.HTML})
}

// pointerLanguage is the language of the e-mail that says a message
// waits: its reader's.
func pointerLanguage(f facts) string {
	switch {
	case f.Job.Side != writ.SideLegal:
		return i18n.English
	case f.Job.Thread == writ.ThreadAgency:
		return i18n.ForCountry(f.Agency.Country)
	}
	return f.Customer.Language
}

// post posts the notice to the customer's webhook; its 2xx is a delivery.
func (w *Worker) post(ctx context.Context, f facts, r Rendered, data LetterData, s writ.Sending) (writ.Sending, error) {
	j := f.Job
	s.Channel, s.Recipients = "webhook", []string{f.WebhookURL}
	eventID := fmt.Sprintf("writ-job-%d", j.ID)
	body, err := json.Marshal(WebhookEvent{ID: eventID, Type: "notice", Created: j.Due.UTC(),
		Demand: WebhookDemand{ID: f.Demand.ID, Reference: f.Demand.Reference, Agency: f.Agency.Name, AgencyCountry: f.Agency.Country,
			Instrument: f.Demand.Instrument, Citation: f.Demand.Citation, DataCategories: f.Demand.DataCategories,
			Accounts: f.Demand.Accounts, ReceivedAt: f.Demand.ReceivedAt},
		Action: data.Action, ObjectBy: data.ObjectBy,
		Letter: WebhookLetter{Version: w.Templates.version, Subject: r.Subject, Text: string(r.Text)}})
	if err != nil {
		s.Final = true
		return s, err
	}
	s.MessageID = eventID
	if err := w.holds(ctx, j); err != nil {
		return s, err
	}
	if err := w.Webhooks.Post(ctx, f.WebhookURL, []byte(f.WebhookSecret), eventID, "notice", body); err != nil {
		return s, err
	}
	s.Delivered = true
	return s, nil
}
