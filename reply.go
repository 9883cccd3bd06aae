package writ

import "time"

// AgencyReply is what an agency answers to the provider's redirect or
// rejection of its demand: why it disagrees, what it corrected, or that it
// turned to the customer. The legal team reads it on the demand; it changes
// nothing by itself.
type AgencyReply struct {
	ID       int64     `json:"id"`
	DemandID int64     `json:"demand_id"`
	Message  string    `json:"message"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

// DeadlineEntry is one deadline of a demand, for the legal team's
// calendar and the demand's page. Status is one of DeadlineStatuses.
type DeadlineEntry struct {
	DemandID  int64     `json:"demand_id"`
	Reference string    `json:"reference"`
	State     State     `json:"state"`
	Code      string    `json:"code"`
	Due       time.Time `json:"due"`
	Status    string    `json:"status"`
}

// DeadlineEmergencyResponse is writ's own deadline for an emergency: the
// provider's response target from receipt (a setting, 4 hours unless set
// otherwise). The rulebook gives an emergency none of its own.
const DeadlineEmergencyResponse = "EMERGENCY_RESPONSE"

// The statuses of a deadline. Only an open deadline is owed, and only an
// open one in the past is overdue; a "not before" date is the end of a
// window (the customer's objection window, the enforcing authority's), a
// time before which something may not be done, never an obligation.
const (
	DeadlineOpen      = "open"
	DeadlineMet       = "met"
	DeadlineMoot      = "moot"
	DeadlineNotBefore = "not_before"
)

// DeadlineStatuses lists the statuses of a deadline.
func DeadlineStatuses() []string {
	return []string{DeadlineOpen, DeadlineMet, DeadlineMoot, DeadlineNotBefore}
}

// Alerts is what needs the legal team's attention now, for the banner of
// every page and the queue: the emergencies still waiting for an answer
// (soonest response target first), how many open demands have an open
// deadline in the past, how many notices no channel can deliver, and how
// many delayed notices wait for the check that their order ended.
type Alerts struct {
	Emergencies   []Demand `json:"emergencies"`
	Overdue       int      `json:"overdue"`
	Undeliverable int      `json:"undeliverable_notices"`
	ReviewsDue    int      `json:"order_reviews_due"`
}
