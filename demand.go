package writ

import (
	"encoding/json"
	"time"
)

// Demand is one government request for the data of one customer's accounts.
// A request naming accounts of several customers is split at intake into
// one demand per customer; the parts share a GroupID and list each other in
// Linked.
type Demand struct {
	ID        int64   `json:"id"`
	GroupID   int64   `json:"group_id"`
	Linked    []int64 `json:"linked_ids"`
	Reference string  `json:"reference"` // the agency's own reference
	AgencyID  int64   `json:"agency_id"`
	// CustomerID is the tenant whose accounts are named.
	CustomerID int64     `json:"customer_id"`
	Channel    string    `json:"channel"` // portal, api, email, mail
	ReceivedAt time.Time `json:"received_at"`
	// Requester is the e-mail address of the person who sent the demand;
	// RequesterVerified is the legal team's finding that it belongs to the agency.
	Requester         string `json:"requester"`
	RequesterVerified bool   `json:"requester_verified"`
	// RequesterCheck is what the check of the requester's e-mail domain
	// against the agency registry found: empty when the domain is the
	// agency's, else UNREGISTERED_DOMAIN, LOOKALIKE_DOMAIN,
	// OTHER_AGENCY_DOMAIN or MALFORMED_ADDRESS. A flagged requester is
	// never verified.
	RequesterCheck string `json:"requester_check"`

	Instrument            string   `json:"instrument"`
	Citation              string   `json:"citation"`
	IssuedBy              string   `json:"issued_by"`
	ValidatedBy           string   `json:"validated_by"`
	OffenceMaxYears       *float64 `json:"offence_max_years"`
	OffenceListed         bool     `json:"offence_listed"`
	OffenceInIssuingState *bool    `json:"offence_in_issuing_state"`
	SubjectResidence      string   `json:"subject_residence"`
	// SubjectLocation is where the person whose data is sought is at the
	// time of the demand, SubjectUSPerson whether that person is a US
	// person; empty and nil are unknown.
	SubjectLocation string `json:"subject_location"`
	SubjectUSPerson *bool  `json:"subject_us_person"`
	// DataLocationsSought are the countries of the customer's regions the
	// demand reaches; empty is every region.
	DataLocationsSought []string `json:"data_locations_sought"`
	// NoticePermitted records that the issuing authority of a European
	// Production or Preservation Order permitted the provider to tell the
	// customer (Reg. (EU) 2023/1543 Art. 13).
	NoticePermitted bool `json:"notice_permitted"`
	// Language is the language the demand was written in, or the one its
	// issuing authority asks to be answered in: an ISO 639-1 code, empty
	// when not stated. Letters and notifications to an authority of the
	// European Union are written in it where writ speaks it.
	Language       string         `json:"language"`
	DataCategories []string       `json:"data_categories"`
	Accounts       []string       `json:"accounts"`
	DateRange      *DateRange     `json:"date_range"`
	Due            *time.Time     `json:"due"`
	Nondisclosure  *Nondisclosure `json:"nondisclosure"`
	Emergency      *Emergency     `json:"emergency"`
	// Callback records the call to the agency's registered number that
	// confirmed an emergency.
	Callback *Callback `json:"callback"`
	// ResponseTarget is when an emergency must be answered: its receipt
	// plus the provider's response target (4 hours unless set otherwise).
	ResponseTarget *time.Time `json:"response_target"`
	// CustomerFirstException is the recorded reason to depart from
	// engaging the customer first: customer_complicit, customer_unavailable
	// or notice_jeopardizes_investigation.
	CustomerFirstException string `json:"customer_first_exception"`

	State      State  `json:"state"`
	Outcome    string `json:"outcome"` // set exactly when State is closed
	AssigneeID *int64 `json:"assignee_id"`
	// ReviewerID is the legal-team member who took the demand into review;
	// the approver must be someone else.
	ReviewerID *int64 `json:"reviewer_id"`
	// Route is the assessment's route: the default the reviewer sees.
	Route string `json:"route"`
	// NextDeadline is the soonest deadline still owed (met, moot and "not
	// before" dates are not), and NextDeadlineCode its code.
	NextDeadline     *time.Time `json:"next_deadline"`
	NextDeadlineCode string     `json:"next_deadline_code"`
	// NoticeState is the state of the notice to the customer as the
	// legal team's queue shows it: one of NoticeStates, or
	// NoticeReviewDue or NoticeUndeliverable when it needs a person.
	NoticeState string    `json:"notice_state"`
	Flags       []string  `json:"flags"`
	Version     int64     `json:"version"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// MarshalJSON writes a demand with customer_id null when it has none (it
// names accounts the provider does not hold) or the reader may not know
// the customer.
func (d Demand) MarshalJSON() ([]byte, error) {
	type plain Demand
	var customer *int64
	if d.CustomerID != 0 {
		customer = &d.CustomerID
	}
	return json.Marshal(struct {
		plain
		CustomerID *int64 `json:"customer_id"`
	}{plain(d), customer})
}

// DateRange is the period of data a demand asks for, as YYYY-MM-DD dates.
type DateRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Nondisclosure is an order forbidding the provider to tell the customer.
// Until is a YYYY-MM-DD date; empty means indefinite.
type Nondisclosure struct {
	Basis string `json:"basis"`
	Until string `json:"until"`
}

// MarshalJSON prints an indefinite order's end as null, as the assessment
// contract does.
func (n Nondisclosure) MarshalJSON() ([]byte, error) {
	var until any
	if n.Until != "" {
		until = n.Until
	}
	return json.Marshal(struct {
		Basis string `json:"basis"`
		Until any    `json:"until"`
	}{n.Basis, until})
}

// Emergency is a claim that a life is in danger, which allows disclosure
// before notice once the claim was confirmed by calling the agency back on
// its registered number. VerifiedByCallback says that such a call is
// recorded (Demand.Callback); whoever submits a demand cannot set it.
type Emergency struct {
	Justification      string `json:"justification"`
	VerifiedByCallback bool   `json:"verified_by_callback"`
}

// Callback is a recorded call to an agency's registered number about an
// emergency: who called which number when, and what came of it. Only a
// confirmed call to the number in the agency registry verifies the
// emergency; nobody can claim one otherwise.
type Callback struct {
	ID      int64     `json:"id"`
	Number  string    `json:"number"`
	Outcome string    `json:"outcome"`
	Notes   string    `json:"notes"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// CallbackInput is a call the legal team made: the number dialled, what
// came of it (one of CallbackOutcomes) and anything worth noting.
type CallbackInput struct {
	Number  string `json:"number"`
	Outcome string `json:"outcome"`
	Notes   string `json:"notes"`
}

// The outcomes of a call-back.
const (
	CallbackConfirmed    = "confirmed"     // the agency confirmed the emergency
	CallbackNotConfirmed = "not_confirmed" // the agency did not know of it or denied it
	CallbackNoAnswer     = "no_answer"
)

// CallbackOutcomes lists the outcomes of a call-back.
func CallbackOutcomes() []string {
	return []string{CallbackConfirmed, CallbackNotConfirmed, CallbackNoAnswer}
}

// DemandInput is what an agency (or the legal team, for demands received by
// e-mail or mail) submits.
type DemandInput struct {
	Reference              string         `json:"reference"`
	AgencyID               int64          `json:"agency_id"`
	Channel                string         `json:"channel"`
	ReceivedAt             *time.Time     `json:"received_at"`
	Requester              string         `json:"requester"`
	Instrument             string         `json:"instrument"`
	Citation               string         `json:"citation"`
	IssuedBy               string         `json:"issued_by"`
	ValidatedBy            string         `json:"validated_by"`
	OffenceMaxYears        *float64       `json:"offence_max_years"`
	OffenceListed          bool           `json:"offence_listed"`
	OffenceInIssuingState  *bool          `json:"offence_in_issuing_state"`
	SubjectResidence       string         `json:"subject_residence"`
	SubjectLocation        string         `json:"subject_location"`
	SubjectUSPerson        *bool          `json:"subject_us_person"`
	DataLocationsSought    []string       `json:"data_locations_sought"`
	NoticePermitted        bool           `json:"notice_permitted"`
	DataCategories         []string       `json:"data_categories"`
	Accounts               []string       `json:"accounts"`
	DateRange              *DateRange     `json:"date_range"`
	Due                    *time.Time     `json:"due"`
	Nondisclosure          *Nondisclosure `json:"nondisclosure"`
	Emergency              *Emergency     `json:"emergency"`
	CustomerFirstException string         `json:"customer_first_exception"`
	Language               string         `json:"language"`
}

// DemandPatch changes a demand. Nil fields are left alone. Agencies may
// amend their own demands' reference, due date and non-disclosure order
// while the demand is open; the legal team may change everything here.
type DemandPatch struct {
	// Version, when set, makes the change apply only to the demand at
	// this version (EPRECONDITION otherwise): the API's If-Match.
	// VersionRequired refuses a change without one (EIFMATCH), once the
	// caller's right to make it has been checked.
	Version           *int64     `json:"-"`
	VersionRequired   bool       `json:"-"`
	Reference         *string    `json:"reference"`
	AssigneeID        *int64     `json:"assignee_id"`
	RequesterVerified *bool      `json:"requester_verified"`
	Due               *time.Time `json:"due"`
	// Nondisclosure replaces the order (an extension, say); ClearNondisclosure
	// records that it was lifted.
	Nondisclosure          *Nondisclosure `json:"nondisclosure"`
	ClearNondisclosure     bool           `json:"clear_nondisclosure"`
	CustomerFirstException *string        `json:"customer_first_exception"`
	// The facts rulebook v2 weighs, which the legal team may learn after
	// receipt: where the person is and resides, whether that person is a US
	// person, which regions the demand reaches, and whether the issuing
	// authority of an EU order permits notice. An empty string or list
	// clears a fact; ClearSubjectUSPerson sets it back to unknown.
	SubjectLocation      *string   `json:"subject_location"`
	SubjectResidence     *string   `json:"subject_residence"`
	SubjectUSPerson      *bool     `json:"subject_us_person"`
	ClearSubjectUSPerson bool      `json:"clear_subject_us_person"`
	DataLocationsSought  *[]string `json:"data_locations_sought"`
	NoticePermitted      *bool     `json:"notice_permitted"`
	// DataCategories narrows the categories the demand asks for (the
	// legal team, when an agency agreed to ask for less, say): it may only
	// drop categories, never add one. Legal team only.
	DataCategories *[]string `json:"data_categories"`
}

// DemandFilter selects demands in the queue. Zero fields do not filter.
type DemandFilter struct {
	State          State
	AgencyID       int64
	CustomerID     int64
	Country        string // the requesting authority's country
	Instrument     string
	DeadlineBefore *time.Time
	Text           string // in the reference or the accounts
	Flag           string // one of the assessment's flags (EMERGENCY, say)
	View           string // one of Views(): the home's counts link to these
	// Search is words to find in the demand's facts, accounts, rationales
	// and internal notes (full-text, each word a prefix); the legal team
	// and auditors only.
	Search string
	// Sort is "id" (newest first, the default) or "deadline" (soonest
	// first); either way the emergencies still waiting for an answer come
	// first. "newest" is newest first with no exception, for tools that
	// walk the demands in the order they arrived.
	Sort   string
	Cursor string
	Limit  int
}

// CustomerFirstExceptions lists the recorded exceptions to engaging the
// customer first (rulebook §4).
func CustomerFirstExceptions() []string {
	return []string{"customer_complicit", "customer_unavailable", "notice_jeopardizes_investigation"}
}

// Channels lists how demands arrive.
func Channels() []string { return []string{"portal", "api", "email", "mail"} }

// Page is one page of a list.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// Issuers lists who may have issued a demand's instrument.
func Issuers() []string { return []string{"judge", "tribunal", "prosecutor", "police", "other"} }
