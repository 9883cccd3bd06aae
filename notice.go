package writ

import "time"

// Notice is what writ tells (or may not yet tell) a customer about a demand
// for its data, kept in step with the demand's assessment until it has
// gone out.
//
// State is one of:
//   - none: nothing is disclosed on the demand's route, so no notice is due;
//   - prohibited: a national-security prohibition holds; writ never sends
//     it by itself;
//   - delayed: a non-disclosure order (Until is its end, empty when
//     indefinite) or an emergency holds it back;
//   - scheduled: due at SendAt; a job sends it;
//   - sent: a channel accepted it (the customer's mail server or relay);
//   - delivered: the customer's own webhook endpoint confirmed receipt,
//     or the legal team recorded a delivery made another way;
//   - failed: every channel gave up after its tries (LastError says why);
//   - acknowledged: the customer acknowledged it.
//
// A notice counts as given only from GivenAt on: the moment a delivery
// succeeded (an SMTP server accepted it, a webhook answered 2xx, the
// customer answered in the portal, or the legal team recorded a delivery
// with its evidence). The customer's objection window runs from then.
//
// A notice delayed by a non-disclosure order with an end does not leave
// by itself when the order ends: from ReviewAt (noon UTC the day after
// the order's last day) a legal-team user confirms that no extension was
// served (ReleasedUntil is then the end confirmed), or records the
// extension.
type Notice struct {
	DemandID       int64      `json:"demand_id"`
	Reference      string     `json:"reference"`
	CustomerID     int64      `json:"customer_id"`
	Timing         string     `json:"timing"`
	State          string     `json:"state"`
	SendAt         *time.Time `json:"send_at"`
	Until          string     `json:"until"`
	Reason         string     `json:"reason"`
	SentAt         *time.Time `json:"sent_at"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
	GivenAt        *time.Time `json:"given_at"`
	GivenVia       string     `json:"given_via"`
	ReviewAt       *time.Time `json:"review_at"`
	ReleasedUntil  string     `json:"released_until"`
	// Undeliverable is true when the notice is due and not given, and no
	// channel can deliver it now: every one failed or is failing (no mail
	// server, a bounce, no webhook).
	Undeliverable bool   `json:"undeliverable"`
	LastError     string `json:"last_error"`
	// Warnings name what is wrong with the order that delays the notice
	// (INDEFINITE_NDO, NDO_OVER_ONE_YEAR) and the challenge it calls for.
	Warnings   []NoticeWarning  `json:"warnings"`
	Deliveries []NoticeDelivery `json:"deliveries"`
	UpdatedAt  time.Time        `json:"updated_at"`
}

// NoticeWarning is a flag of the demand's non-disclosure order with the
// challenge provider policy calls for.
type NoticeWarning struct {
	Flag      string `json:"flag"`
	Challenge string `json:"challenge"`
}

// NoticeDelivery is the notice's record on one channel: e-mail, the
// customer's webhook, or a delivery the legal team recorded (channel
// recorded, with its Method, Evidence and who recorded it).
type NoticeDelivery struct {
	Channel   string `json:"channel"` // email, webhook, recorded
	Recipient string `json:"recipient"`
	// State is pending, sent, delivered, failed or cancelled.
	State     string     `json:"state"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error"`
	MessageID string     `json:"message_id"`
	Letter    string     `json:"letter_sha256"`
	SentAt    *time.Time `json:"sent_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	// Method, Evidence, Document and RecordedBy describe a recorded
	// delivery; they are empty for the others.
	Method     string `json:"method"`
	Evidence   string `json:"evidence"`
	Document   string `json:"document_sha256"`
	RecordedBy string `json:"recorded_by"`
}

// NoticeStates lists the states of a notice.
func NoticeStates() []string {
	return []string{"none", "prohibited", "delayed", "scheduled", "sent", "delivered", "failed", "acknowledged"}
}

// The two states of a notice that need a person, as the queue shows them
// (Demand.NoticeState), beside NoticeStates.
const (
	// NoticeReviewDue: the order that delayed the notice has ended;
	// the legal team confirms that no extension was served before the
	// notice goes.
	NoticeReviewDue = "review_due"
	// NoticeUndeliverable: the notice is due and no channel can deliver
	// it.
	NoticeUndeliverable = "undeliverable"
)

// DeliveryInput records a delivery of the notice the legal team made
// another way than writ's channels: how (one of DeliveryMethods), the
// evidence (a registered letter's number, who took the call), when the
// customer received it (now when nil), and optionally a document of the
// demand that proves it (the signed receipt).
type DeliveryInput struct {
	Method         string     `json:"method"`
	Evidence       string     `json:"evidence"`
	DeliveredAt    *time.Time `json:"delivered_at"`
	DocumentSHA256 string     `json:"document_sha256"`
}

// DeliveryMethods lists the ways of delivering a notice the legal team
// records by hand.
func DeliveryMethods() []string {
	return []string{"registered_letter", "courier", "phone", "in_person", "email_outside_writ"}
}

// NondisclosureReview is the legal team's check, once a non-disclosure
// order has ended, of whether it was extended: ExtensionServed false
// releases the delayed notice; true records the extension (its new Until
// and, when it changed, its Basis), which moves the date. Checked says how
// it was checked (the docket, a call to the clerk).
type NondisclosureReview struct {
	ExtensionServed bool   `json:"extension_served"`
	Until           string `json:"until"`
	Basis           string `json:"basis"`
	Checked         string `json:"checked"`
}

// NoticeFilter selects notices on the legal team's dashboard.
type NoticeFilter struct {
	State  string // one of NoticeStates, or empty for all
	Cursor string
	Limit  int
}

// The kinds of a customer's response to a demand.
const (
	ResponseAcknowledge      = "acknowledge"
	ResponseObject           = "object"
	ResponseWillAnswerAgency = "will_answer_agency"
)

// CustomerResponseInput is a customer's answer to a demand it was told of:
// it acknowledges the notice, objects with its grounds, or says it will
// answer the agency itself.
type CustomerResponseInput struct {
	Kind    string `json:"kind"`
	Grounds string `json:"grounds"`
}

// CustomerResponse is a recorded answer of the customer. An objection is
// open until the legal team decides it (upheld or overruled); while one is
// open the demand cannot be approved or disclosed.
type CustomerResponse struct {
	ID                int64      `json:"id"`
	DemandID          int64      `json:"demand_id"`
	Kind              string     `json:"kind"`
	Grounds           string     `json:"grounds"`
	By                string     `json:"by"`
	At                time.Time  `json:"at"`
	Decision          string     `json:"decision"`
	DecisionRationale string     `json:"decision_rationale"`
	DecidedBy         string     `json:"decided_by"`
	DecidedAt         *time.Time `json:"decided_at"`
}

// ObjectionDecisionInput is the legal team's decision on an objection:
// upheld (the demand is then rejected, challenged or narrowed from review)
// or overruled (it may be approved again, by a second person).
type ObjectionDecisionInput struct {
	Decision  string `json:"decision"`
	Rationale string `json:"rationale"`
}

// AuthorityNotification is a notification of an authority the assessment
// asks for, drafted from the rulebook's directory. State is drafted, sent,
// failed or withdrawn (the assessment no longer asks for it, say because a
// non-disclosure order arrived).
type AuthorityNotification struct {
	ID        int64      `json:"id"`
	DemandID  int64      `json:"demand_id"`
	Code      string     `json:"code"`
	Country   string     `json:"country"`
	Name      string     `json:"name"`
	Email     string     `json:"email"`
	Address   string     `json:"address"`
	State     string     `json:"state"`
	LastError string     `json:"last_error"`
	DraftedAt time.Time  `json:"drafted_at"`
	SentAt    *time.Time `json:"sent_at"`
}
