package writ

import (
	"encoding/json"
	"time"
)

// Job is one of the jobs writ runs by itself (a notice on one channel, a
// letter, a reminder), as the legal team sees it.
//
// State is available (waiting for its time or its next try), running,
// completed, cancelled (no longer due, or cancelled by a change of the
// demand) or failed (it used its tries, or trying again cannot help).
type Job struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	Subject     string     `json:"subject"`
	State       string     `json:"state"`
	RunAt       time.Time  `json:"run_at"`
	Attempts    int        `json:"attempts"`
	MaxAttempts int        `json:"max_attempts"`
	LastError   string     `json:"last_error"`
	CompletedAt *time.Time `json:"completed_at"`
}

// Reminder is one job of a deadline: a reminder of it at At, or with
// Escalation the escalation of it when it falls due undone.
type Reminder struct {
	Code       string
	Due        time.Time
	At         time.Time
	Escalation bool
}

// Letter is a letter writ wrote, kept as a document of its demand for the
// legal team and its recipient (Audience, one of Audiences; the legal team
// alone when empty).
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

// Sending is what one attempt at a job sent, or failed to send, for the
// record.
type Sending struct {
	DemandID int64
	// Job names the job's kind in the events; Attempt counts from 1.
	Job                  string
	Attempt, MaxAttempts int
	// What was sent: a notice (Notice), a notification of an authority
	// (Notification, its id), or else a letter whose sending is the event
	// Event. Detail adds to that event (a deadline's code and date).
	Notice       bool
	Notification int64
	Event        string
	Detail       map[string]any
	// Channel is email or webhook.
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
	// Error, when set, says why the attempt failed; the job is tried again
	// at RetryAt unless Final.
	Error   string
	Final   bool
	RetryAt time.Time
}

// JobCase is what the records say of a demand when one of its jobs runs:
// whether its business is still due, what its letter says and where it
// goes are decided from it.
type JobCase struct {
	Demand   Demand
	Agency   Agency
	Customer Customer // zero when the demand names no account of a customer
	// Assessment is the demand's assessment as the rulebook made it.
	Assessment json.RawMessage
	// OwnAccounts are the demand's accounts its customer holds: the only
	// ones its notice may name.
	OwnAccounts []string
	// WebhookSecret signs the customer's webhook.
	WebhookSecret string
	// NoticeState and NoticeSendAt are the notice's state and time;
	// Deliveries the state of its delivery on each channel that has one.
	NoticeState  string
	NoticeSendAt *time.Time
	Deliveries   map[string]string
	// Deadlines are the demand's deadlines as recorded, with their status.
	Deadlines []CaseDeadline
	// Authorities are the notifications of authorities.
	Authorities []AuthorityNotification
	// Submitter is the address of the agency user who submitted the
	// demand, when one did.
	Submitter string
	// Assigned are the addresses of the demand's assignee and reviewer
	// (active accounts only), in that order.
	Assigned []string
}

// CaseDeadline is a deadline of a demand as its jobs see it: Status is one
// of the deadline statuses (DeadlineOpen...), Message what the rulebook
// (or writ, for its own deadlines) says of it.
type CaseDeadline struct {
	Code    string
	Due     time.Time
	Status  string
	Message string
}
