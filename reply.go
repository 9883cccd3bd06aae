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

// DeadlineEntry is one deadline of an open demand, for the legal team's
// calendar.
type DeadlineEntry struct {
	DemandID  int64     `json:"demand_id"`
	Reference string    `json:"reference"`
	State     State     `json:"state"`
	Code      string    `json:"code"`
	Due       time.Time `json:"due"`
}
