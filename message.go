package writ

import "time"

// The threads of messages on a demand: the legal team writes with the
// agency on one and with the customer on the other. A thread is named
// after the audience of its attachments, and each side sees its own
// thread only: an agency never learns of the customer's, nor the
// customer of the agency's.
const (
	ThreadAgency   = AudienceAgency
	ThreadCustomer = AudienceCustomer
)

// Threads lists the threads of a demand.
func Threads() []string { return []string{ThreadAgency, ThreadCustomer} }

// The sides that write on a thread.
const (
	SideLegal    = "legal"
	SideAgency   = "agency"
	SideCustomer = "customer"
)

// Message is one message on a thread of a demand, with its attachments:
// documents of the demand whose audience is the thread's.
type Message struct {
	ID          int64      `json:"id"`
	DemandID    int64      `json:"demand_id"`
	Thread      string     `json:"thread"`
	Side        string     `json:"side"`
	By          string     `json:"by"`
	At          time.Time  `json:"at"`
	Body        string     `json:"body"`
	Attachments []Document `json:"attachments"`
}

// MessageInput is a message being posted: its text and any files attached
// to it (PDF or images, like every document).
type MessageInput struct {
	Body        string           `json:"body"`
	Attachments []DocumentUpload `json:"attachments"`
}

// DocumentUpload is a file uploaded as a document of a demand.
type DocumentUpload struct {
	Name    string `json:"name"`
	Content []byte `json:"content"` // base64 in JSON
}

// Limits of a message: its text, and how many files it carries.
const (
	MaxMessageLength      = 10000
	MaxMessageAttachments = 5
)

// SideOf is the side an actor writes on: the legal team's for reviewers,
// approvers and admins, the agency's and the customer's for their users,
// none ("") for anyone else.
func SideOf(r Role) string {
	switch {
	case r.LegalTeam():
		return SideLegal
	case r == RoleAgency:
		return SideAgency
	case r == RoleCustomer:
		return SideCustomer
	}
	return ""
}
