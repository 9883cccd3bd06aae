package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"writ"
	"writ/rules"
)

// importedEvent is the data of a demand's "demand.imported" event: the
// demand as it stands, as "demand.received" records a new one, and the
// moves that brought it there, each as "demand.transition" records one
// plus who made it and when. Structs rather than maps, because a batch
// encodes thousands of them.
type importedEvent struct {
	Demand   writ.Demand    `json:"demand"`
	History  []importedMove `json:"history"`
	Rulebook string         `json:"rulebook"`
	Route    string         `json:"route"`
}

type importedMove struct {
	From             writ.State            `json:"from"`
	To               writ.State            `json:"to"`
	Rationale        string                `json:"rationale"`
	At               time.Time             `json:"at"`
	Actor            string                `json:"actor"`
	ActorID          int64                 `json:"actor_id,omitempty"`
	Outcome          string                `json:"outcome,omitempty"`
	ChallengeOutcome string                `json:"challenge_outcome,omitempty"`
	Decision         string                `json:"decision,omitempty"`
	Categories       []string              `json:"categories,omitempty"`
	Challenge        *writ.ChallengeInput  `json:"challenge,omitempty"`
	Disclosure       *writ.DisclosureInput `json:"disclosure,omitempty"`
	Delivery         *writ.DeliveryInput   `json:"delivery,omitempty"`
}

// life replays an imported demand's history.
type life struct {
	d              *writ.Demand
	a              rules.Assessment
	agencyVerified bool
	notice         *noticeRecord
	last, updated  time.Time

	reviewerName        string
	approvedCategories  []string // of the latest approval
	disclosedCategories []string
	challenges          []challengeRecord
	moves               []importedMove
}

type challengeRecord struct {
	grounds, forum, outcome string
	filed                   time.Time
	deadline                *time.Time
}

// move makes one step of the history, refusing one Transition (or
// RecordDelivery) would have refused.
func (l *life) move(b *importBatch, step ImportedStep) error {
	d, a, in := l.d, l.a, step.Transition
	at := step.At.UTC().Truncate(time.Microsecond)
	if at.Before(l.last) || at.After(b.now) {
		return writ.FieldErrorf("at", "a step happens after the one before it (the first after the demand was received) and not in the future")
	}
	if step.Delivery != nil {
		return l.deliver(b, step, at)
	}
	tc := transitionContext(d, a, at)
	tc.AgencyVerified, tc.DisclosedCategories = l.agencyVerified, l.disclosedCategories
	tc.NoticeState, tc.NoticeGivenAt = l.notice.state, l.notice.givenAt
	tc.ObjectionWindowEnds = b.s.objectionWindowEnds(a, l.notice.givenAt)
	outcome, err := writ.CheckTransition(step.Actor, tc, in)
	if err != nil {
		return err
	}
	from := d.State
	if in.To == writ.StateInReview {
		d.ReviewerID, l.reviewerName = nil, step.Actor.Name
		if step.Actor.UserID != 0 {
			reviewer := step.Actor.UserID
			d.ReviewerID = &reviewer
		}
	}
	event := importedMove{From: from, To: in.To, Rationale: in.Rationale, At: at, Actor: step.Actor.Name,
		ActorID: step.Actor.UserID, Outcome: outcome, ChallengeOutcome: in.ChallengeOutcome}
	if in.ChallengeOutcome != "" {
		for i := range l.challenges {
			if l.challenges[i].outcome == "" {
				l.challenges[i].outcome = in.ChallengeOutcome
			}
		}
	}
	if kind := writ.DecisionKind(in.To, false); kind != "" {
		categories, decided, approved := []string{}, step.Actor.Name, ""
		if in.To == writ.StateApproved {
			chosen, err := approvedCategories(a, in)
			if err != nil {
				return err
			}
			categories = chosen
			kind = writ.DecisionKind(in.To, len(categories) < len(d.DataCategories))
			decided, approved = l.reviewerName, step.Actor.Name
			l.approvedCategories = categories
			event.Categories = categories
		}
		b.decisions.add(d.ID, kind, jsonText(categories), in.Rationale, decided, approved, at)
		event.Decision = kind
	}
	switch in.To {
	case writ.StateChallenged:
		deadline, err := challengeDeadline(in.Challenge.Deadline, a)
		if err != nil {
			return err
		}
		l.challenges = append(l.challenges, challengeRecord{grounds: in.Challenge.Grounds, forum: in.Challenge.Forum, filed: at, deadline: deadline})
		event.Challenge = in.Challenge
	case writ.StateDisclosed:
		if err := l.disclose(b, step, at); err != nil {
			return err
		}
		event.Disclosure = in.Disclosure
	}
	// The notice held back by an emergency follows the disclosure it
	// justified, as scheduleNotice has it.
	if (in.To == writ.StateDisclosed || in.To == writ.StateClosed) && a.Notice.Timing == rules.NoticeAfterEmergency && l.notice.state == "delayed" {
		l.notice.state, l.notice.reason, l.notice.sendAt = "scheduled", "", &at
	}
	d.State, d.Outcome = in.To, outcome
	d.Version++
	l.last, l.updated = at, at
	l.moves = append(l.moves, event)
	return nil
}

// deliver records a delivery of the notice as RecordDelivery does: only of
// a notice that is not held back nor given yet, with its evidence,
// delivered when it says (the step's time unless given), which is neither
// before the demand was received nor after the step.
func (l *life) deliver(b *importBatch, step ImportedStep, at time.Time) error {
	in := step.Delivery
	delivered := at
	if in.DeliveredAt != nil {
		delivered = in.DeliveredAt.UTC().Truncate(time.Microsecond)
	}
	switch {
	case delivered.After(at) || delivered.Before(l.d.ReceivedAt):
		return writ.FieldErrorf("delivery.delivered_at", "a delivery is recorded after it happened, and not before the demand was received")
	case !step.Actor.Role.LegalTeam():
		return writ.Errorf(writ.EFORBIDDEN, "only the provider's legal team records a delivery of the notice")
	case l.d.CustomerID == 0:
		return writ.Errorf(writ.ECONFLICT, "the demand names no account of a customer: there is nobody to tell")
	case l.notice.state == "prohibited" || l.notice.state == "delayed":
		return writ.Errorf(writ.ECONFLICT, "the notice is %s: the customer may not be told", l.notice.state)
	case l.notice.givenAt != nil:
		return writ.Errorf(writ.ECONFLICT, "the notice was already given")
	case !slices.Contains(writ.DeliveryMethods(), in.Method):
		return writ.FieldErrorf("delivery.method", "unknown method %q", in.Method)
	case strings.TrimSpace(in.Evidence) == "":
		return writ.FieldErrorf("delivery.evidence", "describe the evidence of the delivery")
	}
	l.notice.state, l.notice.givenAt, l.notice.givenVia = "delivered", &delivered, in.Method
	b.deliveries.add(l.d.ID, "recorded", in.Method, "delivered", 1, delivered, at, in.Method, strings.TrimSpace(in.Evidence), in.DocumentSHA256, step.Actor.Name)
	l.last, l.updated = at, at
	l.moves = append(l.moves, importedMove{From: l.d.State, To: l.d.State, Rationale: "notice delivered", At: at, Actor: step.Actor.Name,
		ActorID: step.Actor.UserID, Delivery: in})
	return nil
}

// disclose records a production as recordDisclosure does: only categories
// approved for the demand may have been produced.
func (l *life) disclose(b *importBatch, step ImportedStep, at time.Time) error {
	in := step.Transition.Disclosure
	if l.approvedCategories == nil {
		return writ.Errorf(writ.ECONFLICT, "no approval of a disclosure is recorded")
	}
	if len(in.Categories) == 0 {
		return writ.FieldErrorf("disclosure.categories", "name the categories produced")
	}
	for i, c := range in.Categories {
		if !slices.Contains(l.approvedCategories, c) {
			return writ.FieldErrorf(fmt.Sprintf("disclosure.categories[%d]", i), "%q was not approved for disclosure (approved: %v)", c, l.approvedCategories)
		}
	}
	if in.Accounts < 0 || in.Records < 0 {
		return writ.FieldErrorf("disclosure.records", "counts cannot be negative")
	}
	if p := in.PackageSHA256; p != "" && (len(p) != 64 || !isHex(p)) {
		return writ.FieldErrorf("disclosure.package_sha256", "a SHA-256 is 64 hexadecimal digits")
	}
	l.disclosedCategories = in.Categories
	b.disclosures.add(l.d.ID, jsonText(in.Categories), in.Accounts, in.Records, in.PackageSHA256, step.Actor.Name, at)
	return nil
}

// importError names the demand (and the step of its history, when step is
// not -1) in an error about it, keeping the error's code.
func importError(i, step int, err error) error {
	field := fmt.Sprintf("demands[%d]", i)
	if step >= 0 {
		field += fmt.Sprintf(".history[%d]", step)
	}
	var e *writ.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("store: import: %s: %w", field, err)
	}
	if e.Field != "" {
		field += "." + e.Field
	}
	return &writ.Error{Code: e.Code, Field: field, Message: e.Message}
}
