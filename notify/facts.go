package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/mail"
	"slices"
	"time"

	"writ"
	"writ/rules"
)

// Records are the records notify reads a job's facts from and keeps its
// outcome in; *store.Store implements them.
type Records interface {
	// JobCase reads what the records say of a demand, as the system sees
	// it. ENOTFOUND when there is no such demand.
	JobCase(ctx context.Context, demandID int64) (writ.JobCase, error)
	// StaffEmails lists the addresses of the provider's active staff in
	// one of roles, oldest account first.
	StaffEmails(ctx context.Context, roles ...writ.Role) ([]string, error)
	// RecordSending keeps what an attempt sent or failed to send (the
	// notice's delivery, the letters, the events) in one transaction with
	// finish, which settles the job itself; when finish fails nothing is
	// kept.
	RecordSending(ctx context.Context, s writ.Sending, finish func(*sql.Tx) error) error
}

// job is a job as a worker holds it: River's row of one attempt, and what
// it carries.
type job struct {
	ID                   int64
	Kind                 string
	Attempt, MaxAttempts int
	// AttemptedAt is when this attempt took the job; the job is this
	// attempt's until the rescuer may take it back.
	AttemptedAt time.Time
	RunAt       time.Time
	jobArgs
}

// facts are what a worker needs to carry out a job: the demand and the
// parties as they stand now, the recipients, and whether the job's
// business is still due.
type facts struct {
	Job        job
	Demand     writ.Demand
	Agency     writ.Agency
	Customer   writ.Customer
	Assessment rules.Assessment
	// Recipients are the e-mail addresses the job's letter goes to.
	Recipients []string
	// WebhookURL and WebhookSecret are the customer's, for webhook jobs.
	WebhookURL, WebhookSecret string
	// Deadline is the deadline of a reminder, an escalation or an
	// emergency.
	Deadline rules.Deadline
	// Authority is the notification of an authority job.
	Authority writ.AuthorityNotification
	// Skip, when set, says why the job is no longer due: the worker drops
	// it and sends nothing. NotBefore, when set, is when it will be due:
	// the worker gives it back until then.
	Skip      string
	NotBefore *time.Time
}

// gather reads what j needs from the records. It changes nothing.
func (r *Worker) gather(ctx context.Context, j job) (facts, error) {
	f := facts{Job: j}
	c, err := r.Records.JobCase(ctx, j.DemandID)
	if err != nil {
		return f, err
	}
	f.Demand, f.Agency, f.Customer = c.Demand, c.Agency, c.Customer
	if err := json.Unmarshal(c.Assessment, &f.Assessment); err != nil {
		return f, fmt.Errorf("notify: job %d: assessment: %w", j.ID, err)
	}
	switch j.Kind {
	case JobNoticeEmail, JobNoticeWebhook:
		f.notice(c, r.Now())
	case JobRedirectLetter:
		f.redirect(c)
	case JobAuthorityNotice:
		err = f.authority(c)
	case JobEmergencyAlert:
		err = r.emergency(ctx, &f)
	case JobDeadlineReminder, JobDeadlineEscalation:
		err = r.deadline(ctx, &f, c)
	case JobMessagePointer:
		err = r.message(ctx, &f, c)
	default:
		err = fmt.Errorf("notify: job %d: unknown kind %q", j.ID, j.Kind)
	}
	return f, err
}

// secret is true while a national-security prohibition holds: whatever
// the route and whatever the notice record says, nothing that reveals the
// demand leaves then.
func (f *facts) secret() bool {
	return f.Assessment.Notice.Timing == rules.NoticeProhibited || slices.Contains(f.Assessment.Flags, rules.FlagNationalSecurity)
}

// notice decides whether the notice is still due on the job's channel,
// and where it goes.
func (f *facts) notice(c writ.JobCase, now time.Time) {
	// The notice names the customer's own accounts only.
	f.Demand.Accounts = c.OwnAccounts
	channel := "email"
	if f.Job.Kind == JobNoticeWebhook {
		channel = "webhook"
		f.WebhookURL, f.WebhookSecret = c.Customer.WebhookURL, c.WebhookSecret
	} else {
		f.Recipients = noticeRecipients(c.Customer, c.OwnAccounts)
	}
	state, delivered := c.NoticeState, c.Deliveries[channel]
	switch {
	case f.Demand.CustomerID == 0:
		f.Skip = "the demand names no account of a customer: there is nobody to tell"
	case f.secret():
		f.Skip = "a national-security prohibition holds: the customer may not be told"
	case delivered == "sent" || delivered == "delivered":
		f.Skip = "the notice already went out on this channel"
	case state == "acknowledged":
		f.Skip = "the customer already acknowledged the demand"
	case state == "prohibited" || state == "delayed" || state == "none":
		// A delayed notice goes only once the legal team has confirmed
		// that its order ended unextended; the store then makes it
		// scheduled and enqueues it again.
		f.Skip = "notice is " + state
	case state == "scheduled" && c.NoticeSendAt != nil && now.Before(*c.NoticeSendAt):
		t := c.NoticeSendAt.UTC()
		f.NotBefore = &t
	}
	if channel == "webhook" && f.WebhookURL == "" && f.Skip == "" {
		f.Skip = "the customer has no webhook any more"
	}
}

// noticeRecipients are where a customer's notice e-mail goes: its notice
// address, else its legal contact, else (a consumer tenant) the account
// holders whose accounts are named, when their accounts are addresses.
func noticeRecipients(c writ.Customer, accounts []string) []string {
	switch {
	case c.NoticeEmail != "":
		return []string{c.NoticeEmail}
	case c.LegalContact != "":
		return []string{c.LegalContact}
	}
	var out []string
	for _, a := range accounts {
		if addr, err := mail.ParseAddress(a); err == nil && addr.Address == a {
			out = append(out, a)
		}
	}
	return out
}

// redirect decides whether the redirect letter is still due; it goes to
// the agency user who submitted the demand, else the requester's address.
func (f *facts) redirect(c writ.JobCase) {
	d := f.Demand
	if d.State != writ.StateRedirected && d.Outcome != writ.OutcomeRedirected {
		f.Skip = "the demand is no longer redirected"
	}
	if f.secret() {
		f.Skip = "national-security process is never redirected to the customer"
	}
	if c.Submitter != "" {
		f.Recipients = []string{c.Submitter}
	} else if addr, err := mail.ParseAddress(d.Requester); err == nil {
		f.Recipients = []string{addr.Address}
	}
}

// authority decides whether the notification of an authority is still
// due; ENOTFOUND when it is gone.
func (f *facts) authority(c writ.JobCase) error {
	i := slices.IndexFunc(c.Authorities, func(a writ.AuthorityNotification) bool { return a.ID == f.Job.Notification })
	if i < 0 {
		return writ.Errorf(writ.ENOTFOUND, "authority notification %d not found", f.Job.Notification)
	}
	f.Authority = c.Authorities[i]
	if f.Authority.State != "drafted" && f.Authority.State != "failed" {
		f.Skip = "the notification is " + f.Authority.State
	}
	if f.secret() || f.Assessment.Notice.Timing == rules.NoticeDelayed {
		f.Skip = "telling anyone would breach the demand's secrecy"
	}
	if f.Authority.Email != "" {
		f.Recipients = []string{f.Authority.Email}
	}
	return nil
}

// emergency decides whether the emergency still waits for an answer; it
// is announced to the on-call address, else the legal team.
func (r *Worker) emergency(ctx context.Context, f *facts) error {
	d := f.Demand
	if d.ResponseTarget == nil || d.State == writ.StateClosed {
		f.Skip = "the emergency is no longer waiting for an answer"
	} else {
		f.Deadline = rules.Deadline{Code: writ.DeadlineEmergencyResponse, Due: *d.ResponseTarget}
	}
	if r.OnCall != "" {
		f.Recipients = []string{r.OnCall}
		return nil
	}
	var err error
	f.Recipients, err = r.Records.StaffEmails(ctx, writ.RoleReviewer, writ.RoleApprover, writ.RoleAdmin)
	return err
}

// deadline decides whether a reminder or escalation is still due: not for
// a deadline the demand no longer has, nor one met or moot, nor on a
// closed demand. A reminder goes to the assignee, else the reviewer, else
// the legal team; an escalation to the approvers and admins.
func (r *Worker) deadline(ctx context.Context, f *facts, c writ.JobCase) error {
	j := f.Job
	f.Deadline = rules.Deadline{Code: j.Code, Due: j.DeadlineDue}
	i := slices.IndexFunc(c.Deadlines, func(dl writ.CaseDeadline) bool { return dl.Code == j.Code && dl.Due.Equal(j.DeadlineDue) })
	switch {
	case i < 0:
		f.Skip = "the demand no longer has this deadline"
	case f.Demand.State == writ.StateClosed:
		f.Skip = "the demand is closed"
	case c.Deadlines[i].Status == writ.DeadlineMet || c.Deadlines[i].Status == writ.DeadlineMoot:
		f.Skip = "the deadline was " + c.Deadlines[i].Status
	}
	if i >= 0 {
		f.Deadline.Message = c.Deadlines[i].Message
	}
	var err error
	switch {
	case j.Kind == JobDeadlineEscalation:
		f.Recipients, err = r.Records.StaffEmails(ctx, writ.RoleApprover, writ.RoleAdmin)
	case len(c.Assigned) > 0:
		f.Recipients = c.Assigned[:1]
	default:
		f.Recipients, err = r.Records.StaffEmails(ctx, writ.RoleReviewer, writ.RoleApprover, writ.RoleAdmin)
	}
	return err
}

// message decides where the word that a message waits goes: a message of
// the agency or the customer to the demand's assignee and reviewer, else
// the legal team; one of the legal team to the agency user who submitted
// the demand (else the requester's address) or to the customer's notice
// address. The customer is told nothing while an order keeps the demand
// from it.
func (r *Worker) message(ctx context.Context, f *facts, c writ.JobCase) error {
	j := f.Job
	switch {
	case j.Side != writ.SideLegal && len(c.Assigned) > 0:
		f.Recipients = c.Assigned
	case j.Side != writ.SideLegal:
		var err error
		f.Recipients, err = r.Records.StaffEmails(ctx, writ.RoleReviewer, writ.RoleApprover, writ.RoleAdmin)
		return err
	case j.Thread == writ.ThreadAgency && c.Submitter != "":
		f.Recipients = []string{c.Submitter}
	case j.Thread == writ.ThreadAgency:
		if addr, err := mail.ParseAddress(f.Demand.Requester); err == nil {
			f.Recipients = []string{addr.Address}
		}
	default:
		f.Recipients = noticeRecipients(c.Customer, c.OwnAccounts)
		if f.secret() || c.NoticeState == "prohibited" || c.NoticeState == "delayed" {
			f.Skip = "an order keeps the demand from the customer"
		}
	}
	return nil
}
