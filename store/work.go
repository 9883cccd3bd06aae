package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"writ"
	"writ/rules"
)

// JobFacts is what a worker needs to carry out a claimed job: the demand
// and the parties as they stand now, the recipients, and whether the job's
// business is still due.
type JobFacts struct {
	Job        Job
	Demand     writ.Demand
	Agency     writ.Agency
	Customer   writ.Customer
	Assessment rules.Assessment
	// Recipients are the e-mail addresses the job's letter goes to.
	Recipients []string
	// WebhookURL and WebhookSecret are the customer's, for webhook jobs.
	WebhookURL, WebhookSecret string
	// Deadline is the deadline of a reminder or escalation.
	Deadline rules.Deadline
	// Authority is the notification of an authority job.
	Authority writ.AuthorityNotification
	// Skip, when set, says why the job is no longer due: the worker drops
	// it and sends nothing. NotBefore, when set, is when it will be due:
	// the worker gives it back until then.
	Skip      string
	NotBefore *time.Time
}

// JobFacts reads what a claimed job needs. It does not change anything.
func (s *Store) JobFacts(ctx context.Context, j Job) (JobFacts, error) {
	f := JobFacts{Job: j}
	p, err := j.payload()
	if err != nil {
		return f, err
	}
	db := s.read
	if f.Demand, err = s.demand(ctx, db, writ.System(), j.DemandID, ""); err != nil {
		return f, err
	}
	d := &f.Demand
	if f.Agency, err = scanAgency(db.QueryRowContext(ctx, s.q(`SELECT `+agencyColumns+` FROM agencies WHERE id = ?`), d.AgencyID)); err != nil {
		return f, fmt.Errorf("store: job facts: agency: %w", err)
	}
	if d.CustomerID != 0 {
		if f.Customer, err = scanCustomer(db.QueryRowContext(ctx, s.q(`SELECT `+customerColumns+` FROM customers WHERE id = ?`), d.CustomerID)); err != nil {
			return f, fmt.Errorf("store: job facts: customer: %w", err)
		}
		if err := s.fillCustomer(ctx, db, &f.Customer); err != nil {
			return f, err
		}
	}
	var body string
	if err := db.QueryRowContext(ctx, s.q(`SELECT body FROM assessments WHERE demand_id = ?`), d.ID).Scan(&body); err != nil {
		return f, fmt.Errorf("store: job facts: assessment: %w", err)
	}
	if err := json.Unmarshal([]byte(body), &f.Assessment); err != nil {
		return f, fmt.Errorf("store: job facts: assessment: %w", err)
	}
	ch, err := s.channelsOf(ctx, db, d.CustomerID)
	if err != nil {
		return f, err
	}
	now := s.nowUTC()
	// Whatever the route and whatever the notice record says, nothing that
	// reveals the demand leaves while a national-security prohibition
	// holds.
	secret := f.Assessment.Notice.Timing == rules.NoticeProhibited || slices.Contains(f.Assessment.Flags, rules.FlagNationalSecurity)
	switch j.Kind {
	case JobNoticeEmail, JobNoticeWebhook:
		// The notice names the customer's own accounts only.
		if err := s.ownAccounts(ctx, db, d.CustomerID, d); err != nil {
			return f, err
		}
		channel := "email"
		if j.Kind == JobNoticeWebhook {
			channel = "webhook"
			f.WebhookURL, f.WebhookSecret = ch.webhookURL, ch.webhookSecret
		} else {
			f.Recipients = noticeRecipients(ch, d.Accounts)
		}
		var state, delivered string
		var sendAt sql.NullTime
		if err := db.QueryRowContext(ctx, s.q(`SELECT state, send_at FROM notices WHERE demand_id = ?`), d.ID).Scan(&state, &sendAt); err != nil {
			return f, fmt.Errorf("store: job facts: notice: %w", err)
		}
		err := db.QueryRowContext(ctx, s.q(`SELECT state FROM notice_deliveries WHERE demand_id = ? AND channel = ?`), d.ID, channel).Scan(&delivered)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return f, fmt.Errorf("store: job facts: delivery: %w", err)
		}
		switch {
		case d.CustomerID == 0:
			f.Skip = "the demand names no account of a customer: there is nobody to tell"
		case secret:
			f.Skip = "a national-security prohibition holds: the customer may not be told"
		case delivered == "sent" || delivered == "delivered":
			f.Skip = "the notice already went out on this channel"
		case state == "acknowledged":
			f.Skip = "the customer already acknowledged the demand"
		case state == "prohibited" || state == "delayed" || state == "none":
			// A delayed notice goes only once the legal team has confirmed
			// that its order ended unextended; scheduleNotice then makes it
			// scheduled and enqueues it again.
			f.Skip = "notice is " + state
		case state == "scheduled" && sendAt.Valid && now.Before(sendAt.Time):
			t := sendAt.Time.UTC()
			f.NotBefore = &t
		}
		if channel == "webhook" && f.WebhookURL == "" && f.Skip == "" {
			f.Skip = "the customer has no webhook any more"
		}
	case JobRedirectLetter:
		if d.State != writ.StateRedirected && d.Outcome != writ.OutcomeRedirected {
			f.Skip = "the demand is no longer redirected"
		}
		if secret {
			f.Skip = "national-security process is never redirected to the customer"
		}
		if f.Recipients, err = s.agencyRecipients(ctx, db, *d); err != nil {
			return f, err
		}
	case JobAuthorityNotice:
		list, err := s.authorityNotifications(ctx, db, d.ID, p.Notification)
		if err != nil {
			return f, err
		}
		if len(list) == 0 {
			return f, notFound("authority notification", p.Notification)
		}
		f.Authority = list[0]
		if f.Authority.State != "drafted" && f.Authority.State != "failed" {
			f.Skip = "the notification is " + f.Authority.State
		}
		if secret || f.Assessment.Notice.Timing == rules.NoticeDelayed {
			f.Skip = "telling anyone would breach the demand's secrecy"
		}
		if f.Authority.Email != "" {
			f.Recipients = []string{f.Authority.Email}
		}
	case JobEmergencyAlert:
		if d.ResponseTarget == nil || d.State == writ.StateClosed {
			f.Skip = "the emergency is no longer waiting for an answer"
		} else {
			f.Deadline = rules.Deadline{Code: DeadlineEmergencyResponse, Due: *d.ResponseTarget}
		}
		if s.onCall != "" {
			f.Recipients = []string{s.onCall}
		} else if f.Recipients, err = s.staffEmails(ctx, db, `role IN ('reviewer', 'approver', 'admin')`); err != nil {
			return f, err
		}
	case JobDeadlineReminder, JobDeadlineEscalation:
		f.Deadline = rules.Deadline{Code: p.Code, Due: p.DeadlineDue}
		for _, dl := range s.demandDeadlines(d, f.Assessment) {
			if dl.Code == p.Code && dl.Due.Equal(p.DeadlineDue) {
				f.Deadline = dl
			}
		}
		var status string
		err := db.QueryRowContext(ctx, s.q(`SELECT status FROM deadlines WHERE demand_id = ? AND code = ? AND due = ?`), d.ID, p.Code, p.DeadlineDue.UTC()).Scan(&status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			f.Skip = "the demand no longer has this deadline"
		case err != nil:
			return f, fmt.Errorf("store: job facts: deadline: %w", err)
		case d.State == writ.StateClosed:
			f.Skip = "the demand is closed"
		case status == writ.DeadlineMet || status == writ.DeadlineMoot:
			f.Skip = "the deadline was " + status
		}
		if j.Kind == JobDeadlineEscalation {
			f.Recipients, err = s.staffEmails(ctx, db, `role IN ('approver', 'admin')`)
		} else {
			f.Recipients, err = s.assigneeEmails(ctx, db, *d)
		}
		if err != nil {
			return f, err
		}
	default:
		return f, fmt.Errorf("store: job %d: unknown kind %q", j.ID, j.Kind)
	}
	return f, nil
}

// noticeRecipients are where a customer's notice e-mail goes: its notice
// address, else its legal contact, else (a consumer tenant) the account
// holders whose accounts are named, when their accounts are addresses.
func noticeRecipients(ch customerChannels, accounts []string) []string {
	switch {
	case ch.noticeEmail != "":
		return []string{ch.noticeEmail}
	case ch.legalContact != "":
		return []string{ch.legalContact}
	}
	var out []string
	for _, a := range accounts {
		if addr, err := mail.ParseAddress(a); err == nil && addr.Address == a {
			out = append(out, a)
		}
	}
	return out
}

// agencyRecipients is where a letter to the agency goes: the agency user
// who submitted the demand, else the requester's address.
func (s *Store) agencyRecipients(ctx context.Context, db querier, d writ.Demand) ([]string, error) {
	var email string
	err := db.QueryRowContext(ctx, s.q(`SELECT u.email FROM demands d JOIN users u ON u.id = d.submitted_by WHERE d.id = ? AND u.role = 'agency'`), d.ID).Scan(&email)
	switch {
	case err == nil:
		return []string{email}, nil
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("store: agency address: %w", err)
	}
	if addr, err := mail.ParseAddress(d.Requester); err == nil {
		return []string{addr.Address}, nil
	}
	return nil, nil
}

// assigneeEmails is who is reminded of a deadline: the assignee, else the
// reviewer, else the whole legal team.
func (s *Store) assigneeEmails(ctx context.Context, db querier, d writ.Demand) ([]string, error) {
	for _, id := range []*int64{d.AssigneeID, d.ReviewerID} {
		if id == nil {
			continue
		}
		var email string
		err := db.QueryRowContext(ctx, s.q(`SELECT email FROM users WHERE id = ? AND deactivated_at IS NULL`), *id).Scan(&email)
		if err == nil {
			return []string{email}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("store: assignee: %w", err)
		}
	}
	return s.staffEmails(ctx, db, `role IN ('reviewer', 'approver', 'admin')`)
}

func (s *Store) staffEmails(ctx context.Context, db querier, where string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT email FROM users WHERE `+where+` AND active AND deactivated_at IS NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: staff: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, fmt.Errorf("store: staff: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Letter is a letter writ wrote, kept as a document of its demand for the
// legal team and its recipient (Audience, one of writ.Audiences; the legal
// team alone when empty).
type Letter struct {
	Name        string
	ContentType string // LetterText or LetterHTML
	Content     []byte
	Audience    string
}

// The content types of the letters writ writes itself. Uploads are
// sniffed and never get these: only writ's own rendered letters do.
const (
	LetterText = "text/plain; charset=utf-8"
	LetterHTML = "text/html; charset=utf-8"
)

// Outcome is what a worker reports of an attempt at a job.
type Outcome struct {
	// Channel is email or webhook for notices, email for the others.
	Channel    string
	Recipients []string
	// MessageID names the message on every attempt (the e-mail's
	// Message-ID, the webhook's event id) so a recipient can drop a copy
	// that a crash made it receive twice.
	MessageID string
	// Delivered is true when the recipient itself confirmed receipt (a
	// webhook's 2xx); an SMTP server's acceptance is only "sent".
	Delivered bool
	Letters   []Letter
}

// keepLetters stores letters as documents of the demand, once each.
func (s *Store) keepLetters(ctx context.Context, tx *sql.Tx, demandID int64, letters []Letter) (string, error) {
	first := ""
	for _, l := range letters {
		if l.ContentType != LetterText && l.ContentType != LetterHTML {
			return "", fmt.Errorf("store: letter %s: content type %q is not one of writ's letters", l.Name, l.ContentType)
		}
		if len(l.Content) == 0 || len(l.Content) > writ.MaxDocumentSize {
			return "", fmt.Errorf("store: letter %s: %d bytes", l.Name, len(l.Content))
		}
		sum := sha256.Sum256(l.Content)
		sha := hex.EncodeToString(sum[:])
		if first == "" {
			first = sha
		}
		audience := l.Audience
		if !slices.Contains(writ.Audiences(), audience) {
			audience = writ.AudienceLegal
		}
		doc := writ.Document{SHA256: sha, Name: l.Name, ContentType: l.ContentType, Size: int64(len(l.Content)), Audience: audience,
			UploadedBy: "writ", UploadedAt: s.nowUTC()}
		if err := s.putDocument(ctx, tx, doc, l.Content); err != nil {
			return "", err
		}
		res, err := tx.ExecContext(ctx, s.q(`INSERT INTO demand_documents (demand_id, sha256, name, audience, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			demandID, sha, doc.Name, doc.Audience, doc.UploadedBy, doc.UploadedAt)
		if err != nil {
			return "", fmt.Errorf("store: letter: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			if err := s.appendEvent(ctx, tx, writ.System(), &demandID, "document.added", doc); err != nil {
				return "", err
			}
		}
	}
	return first, nil
}

// CompleteJob records that a job was carried out, in one transaction with
// its effects: a notice becomes sent (or delivered) and its demand visible
// to the customer; a notification of an authority becomes sent; the
// letters are kept; an event records it. A restart re-runs only jobs not
// completed here, so a notice is sent at least once and recorded once; a
// crash between the send and this commit sends it again, under the same
// MessageID.
func (s *Store) CompleteJob(ctx context.Context, j Job, o Outcome) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.finishJob(ctx, tx, j, "completed", ""); err != nil {
			return err
		}
		sha, err := s.keepLetters(ctx, tx, j.DemandID, o.Letters)
		if err != nil {
			return err
		}
		now := s.nowUTC()
		id := j.DemandID
		event := map[string]any{"job": j.Kind, "attempt": j.Attempt, "channel": o.Channel, "recipients": o.Recipients, "message_id": o.MessageID}
		if sha != "" {
			event["letter_sha256"] = sha
		}
		switch j.Kind {
		case JobNoticeEmail, JobNoticeWebhook:
			state := "sent"
			if o.Delivered {
				state = "delivered"
			}
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO notice_deliveries (demand_id, channel, recipient, state, attempts, last_error, message_id, letter_sha256, sent_at, updated_at)
				VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, ?)
				ON CONFLICT (demand_id, channel) DO UPDATE SET recipient = excluded.recipient, state = excluded.state, attempts = excluded.attempts,
					last_error = '', message_id = excluded.message_id, letter_sha256 = excluded.letter_sha256, sent_at = excluded.sent_at, updated_at = excluded.updated_at`),
				id, o.Channel, joinRecipients(o.Recipients), state, j.Attempt, o.MessageID, sha, now, now); err != nil {
				return fmt.Errorf("store: notice sent: %w", err)
			}
			current, _, _, _, err := s.noticeRow(ctx, tx, id)
			if err != nil {
				return err
			}
			next := state
			if current == "delivered" || current == "acknowledged" {
				next = current
			}
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE notices SET state = ?, sent_at = COALESCE(sent_at, ?), last_error = '', updated_at = ? WHERE demand_id = ?`),
				next, now, now, id); err != nil {
				return fmt.Errorf("store: notice sent: %w", err)
			}
			event["state"] = next
			if err := s.appendEvent(ctx, tx, writ.System(), &id, "notice.sent", event); err != nil {
				return err
			}
			// A channel accepted it: the notice is given now, and the
			// customer's objection window runs from this moment.
			return s.noticeGiven(ctx, tx, id, now, o.Channel)
		case JobRedirectLetter:
			return s.appendEvent(ctx, tx, writ.System(), &id, "redirect.letter_sent", event)
		case JobAuthorityNotice:
			p, err := j.payload()
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE authority_notifications SET state = 'sent', sent_at = ?, last_error = '' WHERE id = ?`), now, p.Notification); err != nil {
				return fmt.Errorf("store: authority notified: %w", err)
			}
			event["notification"] = p.Notification
			return s.appendEvent(ctx, tx, writ.System(), &id, "authority.notified", event)
		case JobEmergencyAlert:
			return s.appendEvent(ctx, tx, writ.System(), &id, "emergency.announced", event)
		case JobDeadlineReminder, JobDeadlineEscalation:
			p, err := j.payload()
			if err != nil {
				return err
			}
			event["code"], event["due"] = p.Code, p.DeadlineDue
			kind := "deadline.reminder_sent"
			if j.Kind == JobDeadlineEscalation {
				kind = "deadline.escalated"
			}
			return s.appendEvent(ctx, tx, writ.System(), &id, kind, event)
		}
		return fmt.Errorf("store: job %d: unknown kind %q", j.ID, j.Kind)
	})
}

// FailJob records a failed attempt with its cause, in one transaction: the
// job is due again at retryAt, or fails for good when final (or when it
// has used its tries). Each failure is an event, so the legal team sees
// every try and its error; a notice failed on every channel becomes failed.
func (s *Store) FailJob(ctx context.Context, j Job, o Outcome, cause string, retryAt time.Time, final bool) error {
	if len(cause) > 1000 {
		cause = cause[:1000]
	}
	final = final || j.Attempt >= j.MaxAttempts
	return s.tx(ctx, func(tx *sql.Tx) error {
		now := s.nowUTC()
		if final {
			if err := s.finishJob(ctx, tx, j, "failed", cause); err != nil {
				return err
			}
		} else {
			res, err := tx.ExecContext(ctx, s.q(`UPDATE jobs SET state = 'available', run_at = ?, last_error = ?, locked_by = '', locked_until = NULL, updated_at = ?
				WHERE id = ? AND state = 'running' AND locked_by = ?`), retryAt.UTC(), cause, now, j.ID, j.Worker)
			if err != nil {
				return fmt.Errorf("store: fail job: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errLeaseLost
			}
		}
		sha, err := s.keepLetters(ctx, tx, j.DemandID, o.Letters)
		if err != nil {
			return err
		}
		id := j.DemandID
		event := map[string]any{"job": j.Kind, "attempt": j.Attempt, "max_attempts": j.MaxAttempts, "channel": o.Channel,
			"recipients": o.Recipients, "error": cause, "final": final}
		if !final {
			event["retry_at"] = retryAt.UTC()
		}
		switch j.Kind {
		case JobNoticeEmail, JobNoticeWebhook:
			state := "pending"
			if final {
				state = "failed"
			}
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO notice_deliveries (demand_id, channel, recipient, state, attempts, last_error, message_id, letter_sha256, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (demand_id, channel) DO UPDATE SET recipient = excluded.recipient, state = excluded.state, attempts = excluded.attempts,
					last_error = excluded.last_error, message_id = excluded.message_id, letter_sha256 = excluded.letter_sha256, updated_at = excluded.updated_at`),
				id, o.Channel, joinRecipients(o.Recipients), state, j.Attempt, cause, o.MessageID, sha, now); err != nil {
				return fmt.Errorf("store: notice failed: %w", err)
			}
			if final {
				var alive int
				if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM notice_deliveries WHERE demand_id = ? AND state IN ('pending', 'sent', 'delivered')`), id).Scan(&alive); err != nil {
					return fmt.Errorf("store: notice failed: %w", err)
				}
				if alive == 0 {
					if _, err := tx.ExecContext(ctx, s.q(`UPDATE notices SET state = 'failed', last_error = ?, updated_at = ? WHERE demand_id = ? AND state IN ('scheduled', 'delayed')`),
						cause, now, id); err != nil {
						return fmt.Errorf("store: notice failed: %w", err)
					}
				}
			}
			return s.appendEvent(ctx, tx, writ.System(), &id, "notice.delivery_failed", event)
		case JobAuthorityNotice:
			p, err := j.payload()
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE authority_notifications SET last_error = ?, state = CASE WHEN ? THEN 'failed' ELSE state END WHERE id = ?`),
				cause, final, p.Notification); err != nil {
				return fmt.Errorf("store: authority notification failed: %w", err)
			}
		}
		return s.appendEvent(ctx, tx, writ.System(), &id, "job.failed", event)
	})
}

func joinRecipients(r []string) string { return strings.Join(r, ", ") }
