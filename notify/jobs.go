package notify

import (
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"
)

// The kinds of job notify runs. Each is enqueued in the transaction of the
// change that causes it, once per kind and subject (River's unique jobs):
// a notice is sent once however often its demand changes.
const (
	// JobNoticeEmail and JobNoticeWebhook send the notice letter to the
	// customer, one job per channel.
	JobNoticeEmail   = "notice.email"
	JobNoticeWebhook = "notice.webhook"
	// JobRedirectLetter sends the redirect letter to the agency once the
	// legal team has redirected the demand.
	JobRedirectLetter = "redirect.letter"
	// JobAuthorityNotice notifies an authority the assessment names.
	JobAuthorityNotice = "authority.notice"
	// JobDeadlineReminder reminds the assignee of a deadline before it
	// falls due; JobDeadlineEscalation tells the approvers and admins of
	// one that passed undone.
	JobDeadlineReminder   = "deadline.reminder"
	JobDeadlineEscalation = "deadline.escalation"
	// JobEmergencyAlert announces an emergency to the on-call address (or
	// the legal team) the moment it arrives.
	JobEmergencyAlert = "emergency.alert"
	// JobMessagePointer tells the other side of a thread that a message
	// waits on the demand's page.
	JobMessagePointer = "message.pointer"
)

// JobKinds lists every kind of job notify runs.
func JobKinds() []string {
	return []string{JobNoticeEmail, JobNoticeWebhook, JobRedirectLetter, JobAuthorityNotice, JobDeadlineReminder, JobDeadlineEscalation, JobEmergencyAlert, JobMessagePointer}
}

// The queues the jobs wait in. A server without SMTP works the notices
// only: it still tries their e-mail, so that the failure is on record, and
// leaves the other letters to a server that can send them.
const (
	queueNotices = "notices"
	queueLetters = "letters"
	queueLog     = "log"
)

// QueueOf names the queue the jobs of kind wait in.
func QueueOf(kind string) string {
	if kind == JobNoticeEmail || kind == JobNoticeWebhook {
		return queueNotices
	}
	return queueLetters
}

// jobArgs is what every job carries: its subject (the job is unique per
// kind and subject), its demand, the moment its business became due, which
// also dates its letter so that every attempt and channel sends the same
// letter, and for deadline and authority jobs which one. The JSON is the
// payload writ's own queue kept, so that jobs carried over from it read
// the same.
type jobArgs struct {
	Subject      string    `json:"subject" river:"unique"`
	DemandID     int64     `json:"demand"`
	Due          time.Time `json:"due"`
	Code         string    `json:"code,omitempty"`
	DeadlineDue  time.Time `json:"deadline_due,omitzero"`
	Notification int64     `json:"notification,omitempty"`
	// Message, Thread and Side name a posted message, its thread and the
	// side that wrote it; nothing of its text.
	Message int64  `json:"message,omitempty"`
	Thread  string `json:"thread,omitempty"`
	Side    string `json:"side,omitempty"`
}

func (a jobArgs) base() jobArgs { return a }

// The River job arguments, one type per kind.
type (
	noticeEmailArgs        struct{ jobArgs }
	noticeWebhookArgs      struct{ jobArgs }
	redirectLetterArgs     struct{ jobArgs }
	authorityNoticeArgs    struct{ jobArgs }
	deadlineReminderArgs   struct{ jobArgs }
	deadlineEscalationArgs struct{ jobArgs }
	emergencyAlertArgs     struct{ jobArgs }
	messagePointerArgs     struct{ jobArgs }
)

func (noticeEmailArgs) Kind() string        { return JobNoticeEmail }
func (noticeWebhookArgs) Kind() string      { return JobNoticeWebhook }
func (redirectLetterArgs) Kind() string     { return JobRedirectLetter }
func (authorityNoticeArgs) Kind() string    { return JobAuthorityNotice }
func (deadlineReminderArgs) Kind() string   { return JobDeadlineReminder }
func (deadlineEscalationArgs) Kind() string { return JobDeadlineEscalation }
func (emergencyAlertArgs) Kind() string     { return JobEmergencyAlert }
func (messagePointerArgs) Kind() string     { return JobMessagePointer }

// args wraps a for River as the job of kind.
func args(kind string, a jobArgs) (river.JobArgs, error) {
	switch kind {
	case JobNoticeEmail:
		return noticeEmailArgs{a}, nil
	case JobNoticeWebhook:
		return noticeWebhookArgs{a}, nil
	case JobRedirectLetter:
		return redirectLetterArgs{a}, nil
	case JobAuthorityNotice:
		return authorityNoticeArgs{a}, nil
	case JobDeadlineReminder:
		return deadlineReminderArgs{a}, nil
	case JobDeadlineEscalation:
		return deadlineEscalationArgs{a}, nil
	case JobEmergencyAlert:
		return emergencyAlertArgs{a}, nil
	case JobMessagePointer:
		return messagePointerArgs{a}, nil
	}
	return nil, fmt.Errorf("notify: unknown kind of job %q", kind)
}

// The subjects of jobs: a demand as a whole (its notice, its letters), one
// deadline of it (a deadline whose date moves is a new subject, so its
// reminder is sent again for the new date), one authority it is notified
// to.
func demandSubject(id int64) string { return "demand:" + strconv.FormatInt(id, 10) }

func deadlineSubject(demandID int64, code string, due time.Time) string {
	return fmt.Sprintf("demand:%d:%s:%d", demandID, code, due.Unix())
}

func messageSubject(id int64) string { return "message:" + strconv.FormatInt(id, 10) }

func authoritySubject(demandID int64, code, country string) string {
	return fmt.Sprintf("demand:%d:%s:%s", demandID, code, country)
}
