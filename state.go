package writ

import (
	"slices"
	"time"
)

// State is where a demand is in its life (domain.md):
//
//	received ─▶ verifying ─▶ in_review ─┬─▶ redirected ──────────────▶ closed
//	                                     ├─▶ rejected ────────────────▶ closed
//	                                     ├─▶ challenged ─┬─▶ (won) ───▶ closed
//	                                     │               └─▶ (lost) ─▶ approved
//	                                     ├─▶ no_data ─────────────────▶ closed
//	                                     └─▶ approved ─▶ noticed ─▶ disclosed ─▶ closed
//
// Two edges follow from the domain's text rather than its diagram: a
// demand whose notice is lawfully held back (an emergency, a non-disclosure
// order, a national-security prohibition) goes from approved to disclosed
// without notice, and an agency may withdraw an open demand at any point
// before disclosure (approved → closed, and so on), which gives the
// withdrawn outcome.
//
// Two more follow from the customer's right to object (principle 2): an
// objection to an approved or noticed demand puts it back in review
// (approved → in_review, noticed → in_review), where the legal team decides
// the objection and then rejects, challenges or approves the demand anew,
// with a second person's approval as always. writ makes that move itself
// when the objection is recorded; nobody may make it by hand.
type State string

// The states of a demand.
const (
	StateReceived   State = "received"
	StateVerifying  State = "verifying"
	StateInReview   State = "in_review"
	StateRedirected State = "redirected"
	StateRejected   State = "rejected"
	StateChallenged State = "challenged"
	StateNoData     State = "no_data"
	StateApproved   State = "approved"
	StateNoticed    State = "noticed"
	StateDisclosed  State = "disclosed"
	StateClosed     State = "closed"
)

// States lists every state in the order of a demand's life.
func States() []State {
	return []State{StateReceived, StateVerifying, StateInReview, StateRedirected, StateRejected,
		StateChallenged, StateNoData, StateApproved, StateNoticed, StateDisclosed, StateClosed}
}

// Valid reports whether s is a state.
func (s State) Valid() bool { return slices.Contains(States(), s) }

// next lists the states each state may move to.
func (s State) next() []State {
	switch s {
	case StateReceived:
		return []State{StateVerifying, StateClosed}
	case StateVerifying:
		return []State{StateInReview, StateClosed}
	case StateInReview:
		return []State{StateRedirected, StateRejected, StateChallenged, StateNoData, StateApproved, StateClosed}
	case StateRedirected, StateRejected, StateNoData, StateDisclosed:
		return []State{StateClosed}
	case StateChallenged:
		return []State{StateClosed, StateApproved}
	case StateApproved:
		return []State{StateNoticed, StateDisclosed, StateClosed, StateInReview}
	case StateNoticed:
		return []State{StateDisclosed, StateClosed, StateInReview}
	}
	return nil
}

// CanMove reports whether the life of a demand has an edge from s to t.
// Further conditions (who may move it, withdrawal, four eyes) are checked
// by CheckTransition.
func (s State) CanMove(t State) bool { return slices.Contains(s.next(), t) }

// withdrawable reports whether an agency may still withdraw a demand in s:
// anywhere before data was produced or the demand was answered otherwise.
func (s State) withdrawable() bool {
	switch s {
	case StateReceived, StateVerifying, StateInReview, StateChallenged, StateApproved, StateNoticed:
		return true
	}
	return false
}

// The six outcomes of a closed demand, as the transparency report counts them.
const (
	OutcomeContentDisclosed    = "content_disclosed"
	OutcomeNonContentDisclosed = "non_content_disclosed"
	OutcomeNoData              = "no_data"
	OutcomeRejected            = "rejected"
	OutcomeRedirected          = "redirected"
	OutcomeWithdrawn           = "withdrawn"
)

// Outcomes lists the six outcomes.
func Outcomes() []string {
	return []string{OutcomeContentDisclosed, OutcomeNonContentDisclosed, OutcomeNoData,
		OutcomeRejected, OutcomeRedirected, OutcomeWithdrawn}
}

// TransitionInput asks to move a demand to another state.
type TransitionInput struct {
	To        State  `json:"to"`
	Rationale string `json:"rationale"`
	// Withdrawn closes an open demand because the agency withdrew it.
	Withdrawn bool `json:"withdrawn"`
	// Categories, on approval, are the data categories that may be
	// disclosed (fewer than asked narrows the demand; the default is the
	// assessment's disclosable categories).
	Categories []string `json:"categories"`
	// ChallengeOutcome is "won" or "lost" when a challenged demand leaves
	// that state (won → closed, lost → approved).
	ChallengeOutcome string `json:"challenge_outcome"`
	// Challenge describes the challenge when a demand enters challenged.
	Challenge *ChallengeInput `json:"challenge"`
	// Disclosure describes the production when a demand enters disclosed.
	Disclosure *DisclosureInput `json:"disclosure"`
}

// ChallengeInput is a challenge to a demand: its grounds, the forum, and the
// filing deadline (by default the assessment's comity-motion, objection or
// response deadline).
type ChallengeInput struct {
	Grounds  string `json:"grounds"`
	Forum    string `json:"forum"`
	Deadline string `json:"deadline"` // RFC 3339; empty for the assessment's
	// SharedGrounds are the grounds the legal team chooses to tell the
	// agency; empty tells it only that the demand is challenged.
	SharedGrounds string `json:"shared_grounds"`
}

// DisclosureInput records what was produced. writ never stores the
// customer's data, only a description and the SHA-256 of the package.
type DisclosureInput struct {
	Categories    []string `json:"categories"`
	Accounts      int      `json:"accounts"`
	Records       int      `json:"records"`
	PackageSHA256 string   `json:"package_sha256"`
}

// TransitionContext is what CheckTransition needs to know about a demand
// beyond its state.
type TransitionContext struct {
	Demand *Demand
	// LegallySufficient, NoticeTiming and NationalSecurity (the
	// NATIONAL_SECURITY flag) come from the demand's current assessment.
	LegallySufficient bool
	Deficiencies      []string
	NoticeTiming      string
	NationalSecurity  bool
	// NoticeState is the state of the notice record (one of
	// NoticeStates): prohibited and delayed mean it is lawfully withheld.
	// NoticeGivenAt is when a delivery of it succeeded, nil until then.
	NoticeState   string
	NoticeGivenAt *time.Time
	// AgencyVerified is the registry's verification of the agency.
	AgencyVerified bool
	// DisclosedCategories are the categories produced, known once the
	// demand has been disclosed.
	DisclosedCategories []string
	// ObjectionWindowEnds is when the customer's objection window after
	// the notice was given ends (zero when no window runs); Now is the
	// clock.
	ObjectionWindowEnds, Now time.Time
	// ObjectionOpen is true while the customer has objected and the legal
	// team has not decided the objection.
	ObjectionOpen bool
	// KeyCustodyUnconfirmed is true when the assessment finds the content
	// asked technically unavailable only because a rulebook v1 customer's
	// key custody was mapped on the upgrade and no admin has confirmed it.
	KeyCustodyUnconfirmed bool
}

// CheckTransition decides whether actor may move the demand to in.To and,
// if so, returns the outcome the demand closes with (empty unless in.To is
// closed). It is pure: the store calls it inside the transaction that makes
// the change, with everything read in that transaction.
//
// It returns EINVALID for a malformed request, EFORBIDDEN when the actor's
// role may not make this move or the approver reviewed the demand, and
// ECONFLICT when the demand's life has no such edge or its facts forbid it.
//
// Long because: it is the table of a demand's life, one case per edge with
// who may take it, which reads best whole.
func CheckTransition(actor Actor, tc TransitionContext, in TransitionInput) (outcome string, err error) {
	d := tc.Demand
	from, to := d.State, in.To
	if !to.Valid() {
		return "", FieldErrorf("to", "unknown state %q", string(to))
	}
	if !from.CanMove(to) {
		return "", Errorf(ECONFLICT, "a demand cannot move from %s to %s", from, to)
	}
	if in.Rationale == "" {
		return "", FieldErrorf("rationale", "a rationale is required for every decision on a demand")
	}
	if to == StateClosed && in.Withdrawn {
		if !from.withdrawable() {
			return "", Errorf(ECONFLICT, "a demand in state %s can no longer be withdrawn", from)
		}
		if actor.Role != RoleAgency && !actor.Role.LegalTeam() {
			return "", Errorf(EFORBIDDEN, "only the agency or the legal team may record a withdrawal")
		}
		return OutcomeWithdrawn, nil
	}
	if actor.Role == RoleAgency {
		return "", Errorf(EFORBIDDEN, "an agency may only withdraw its demand")
	}
	if !actor.Role.LegalTeam() {
		return "", Errorf(EFORBIDDEN, "role %s may not move demands", actor.Role)
	}
	if in.ChallengeOutcome != "" && in.ChallengeOutcome != "won" && in.ChallengeOutcome != "lost" {
		return "", FieldErrorf("challenge_outcome", "must be won or lost")
	}
	if tc.KeyCustodyUnconfirmed && (to == StateNoData || to == StateApproved || to == StateDisclosed) {
		// An answer that content is unavailable must rest on the custody
		// an admin established, not on the upgrade's mapping.
		return "", Errorf(ECONFLICT, "the customer's key custody is unconfirmed since the upgrade to rulebook v2: an admin must confirm or reclassify it before the demand is answered")
	}
	switch to {
	case StateInReview:
		if from == StateApproved || from == StateNoticed {
			return "", Errorf(ECONFLICT, "an approved demand goes back to review only through the customer's objection")
		}
	case StateApproved:
		if tc.ObjectionOpen {
			return "", Errorf(ECONFLICT, "the customer objected: decide the objection before approving the demand")
		}
		if actor.Role != RoleApprover && actor.Role != RoleAdmin {
			return "", Errorf(EFORBIDDEN, "only an approver may approve a disclosure")
		}
		if d.ReviewerID != nil && *d.ReviewerID == actor.UserID {
			return "", Errorf(EFORBIDDEN, "four eyes: the approver must not be the reviewer of the demand")
		}
		if from == StateChallenged && in.ChallengeOutcome != "lost" {
			return "", FieldErrorf("challenge_outcome", "a challenged demand is approved only when the challenge was lost")
		}
		if !tc.LegallySufficient {
			return "", Errorf(ECONFLICT, "the demand is legally insufficient (%v) and cannot be approved", tc.Deficiencies)
		}
	case StateDisclosed:
		if tc.ObjectionOpen {
			return "", Errorf(ECONFLICT, "the customer objected: nothing is disclosed until the legal team decides the objection")
		}
		if !d.RequesterVerified || !tc.AgencyVerified {
			return "", Errorf(ECONFLICT, "the requester is not verified: an unverified requester never receives data")
		}
		withheld := tc.NoticeState == "prohibited" || tc.NoticeState == "delayed"
		if from == StateApproved && !withheld {
			return "", Errorf(ECONFLICT, "the customer must be given notice before disclosure (notice %s): move the demand to noticed", tc.NoticeState)
		}
		if !withheld && tc.NoticeGivenAt == nil {
			return "", Errorf(ECONFLICT, "the notice has not reached the customer: no delivery succeeded yet. Retry the delivery, or record one made another way with its evidence")
		}
		if !tc.ObjectionWindowEnds.IsZero() && tc.Now.Before(tc.ObjectionWindowEnds) {
			return "", Errorf(ECONFLICT, "the customer's objection window runs until %s", tc.ObjectionWindowEnds.UTC().Format("2006-01-02 15:04 UTC"))
		}
		if in.Disclosure == nil {
			return "", FieldErrorf("disclosure", "a disclosure must describe what was produced")
		}
	case StateNoticed:
		if tc.NoticeState == "prohibited" || tc.NoticeState == "delayed" && tc.NoticeTiming != "after_emergency" {
			return "", Errorf(ECONFLICT, "notice is %s: the customer may not be told yet", tc.NoticeState)
		}
	case StateRedirected:
		if tc.NationalSecurity || tc.NoticeState == "prohibited" {
			return "", Errorf(ECONFLICT, "national-security process is never redirected to the customer: its secrecy binds the provider")
		}
	case StateChallenged:
		if in.Challenge == nil || in.Challenge.Grounds == "" {
			return "", FieldErrorf("challenge.grounds", "a challenge needs its grounds")
		}
		if in.Challenge.Forum == "" {
			return "", FieldErrorf("challenge.forum", "a challenge needs its forum")
		}
	case StateClosed:
		return closingOutcome(tc, in)
	}
	return "", nil
}

// closingOutcome is the report outcome of a demand the legal team closes.
func closingOutcome(tc TransitionContext, in TransitionInput) (string, error) {
	switch tc.Demand.State {
	case StateRedirected:
		return OutcomeRedirected, nil
	case StateRejected:
		return OutcomeRejected, nil
	case StateNoData:
		return OutcomeNoData, nil
	case StateDisclosed:
		if slices.Contains(tc.DisclosedCategories, "content") {
			return OutcomeContentDisclosed, nil
		}
		return OutcomeNonContentDisclosed, nil
	case StateChallenged:
		if in.ChallengeOutcome != "won" {
			return "", FieldErrorf("challenge_outcome", "a challenged demand is closed only when the challenge was won")
		}
		// A demand quashed or withdrawn after a successful challenge
		// produced nothing: it counts as rejected.
		return OutcomeRejected, nil
	}
	return "", Errorf(ECONFLICT, "a demand in state %s closes only by withdrawal", tc.Demand.State)
}

// DecisionKind is the decision recorded when a demand enters to, or "".
func DecisionKind(to State, narrowed bool) string {
	switch to {
	case StateRedirected:
		return "redirect"
	case StateRejected:
		return "reject"
	case StateChallenged:
		return "challenge"
	case StateNoData:
		return "no_data"
	case StateApproved:
		if narrowed {
			return "narrow"
		}
		return "disclose"
	}
	return ""
}

// String implements fmt.Stringer.
func (s State) String() string { return string(s) }
