package writ

import "time"

// Views of the queue the legal team's home counts. Each names a condition
// on a demand that DemandFilter.View applies, so that a count on the home
// and the queue it links to always agree.
const (
	ViewEmergencies   = "emergencies"   // an emergency still waiting for an answer
	ViewDueToday      = "due_today"     // an open deadline later today (UTC)
	ViewDueThisWeek   = "due_this_week" // an open deadline within seven days
	ViewOverdue       = "overdue"       // an open deadline in the past
	ViewUnassigned    = "unassigned"    // received and nobody's yet
	ViewMine          = "mine"          // open and assigned to the actor
	ViewApproval      = "approval"      // in review by someone else, for an approver: four eyes
	ViewObjections    = "objections"    // a customer's objection waits for a decision
	ViewUndeliverable = "undeliverable" // the notice is due and no channel can deliver it
)

// Views lists the queue's views in the order the home shows them.
func Views() []string {
	return []string{ViewEmergencies, ViewOverdue, ViewDueToday, ViewDueThisWeek, ViewUnassigned, ViewMine,
		ViewApproval, ViewObjections, ViewUndeliverable}
}

// HomeView is one view of the queue on the legal team's home: how many
// demands it holds and the first few, most pressing first.
type HomeView struct {
	View    string   `json:"view"`
	Count   int      `json:"count"`
	Demands []Demand `json:"demands"`
}

// Home is what a member of the legal team sees first: every view with its
// count and short list, as of At.
type Home struct {
	At    time.Time  `json:"at"`
	Views []HomeView `json:"views"`
}

// Note is an internal note on a demand: the legal team's own, never shown
// to the agency or the customer.
type Note struct {
	ID       int64     `json:"id"`
	DemandID int64     `json:"demand_id"`
	Body     string    `json:"body"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

// SavedFilter is a queue filter a user named and kept: Query is the
// queue's query string.
type SavedFilter struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Query string `json:"query"`
}

// Workload is how many open demands a member of the legal team holds.
type Workload struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
	Role   Role   `json:"role"`
	Open   int    `json:"open"`
}

// BulkResult is what a bulk action did to one demand: nothing went wrong
// when Error is empty.
type BulkResult struct {
	DemandID int64  `json:"demand_id"`
	Error    string `json:"error,omitempty"`
}
