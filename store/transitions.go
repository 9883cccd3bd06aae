package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"writ"
	"writ/rules"
)

// Transition moves a demand to another state for the actor, recording the
// decision, challenge, disclosure or notice it amounts to and an event, all
// in one transaction. The rules of the move are writ.CheckTransition's;
// ENOTFOUND when the actor may not see the demand.
//
// A demand becomes disclosed only when its production package is made
// available (Produce, SignCertificate): a move to disclosed here is
// EINVALID, naming disclosure when counts were typed, else to.
func (s *Store) Transition(ctx context.Context, actor writ.Actor, id int64, in writ.TransitionInput) (writ.Demand, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		d, err := s.demand(ctx, tx, actor, id, s.forUpdate())
		if err != nil {
			return err
		}
		if in.To == writ.StateDisclosed && d.State.CanMove(writ.StateDisclosed) {
			return disclosedOnlyByPackage(id, in)
		}
		return s.transitionTx(ctx, tx, actor, d, in)
	})
	if err != nil {
		return writ.Demand{}, err
	}
	return s.Demand(ctx, actor, id)
}

// transitionTx makes the move in a transaction that has read and locked
// the demand: the checks of CheckTransition over what the transaction
// reads, then the move and what it records.
func (s *Store) transitionTx(ctx context.Context, tx *sql.Tx, actor writ.Actor, d writ.Demand, in writ.TransitionInput) error {
	a, outcome, err := s.checkTransitionTx(ctx, tx, actor, d, in)
	if err != nil {
		return err
	}
	return s.applyTransition(ctx, tx, actor, &d, a, in, outcome)
}

// checkTransitionTx makes the checks of CheckTransition over what the
// transaction reads, and returns the demand's assessment and the outcome
// the move closes the demand with.
func (s *Store) checkTransitionTx(ctx context.Context, tx *sql.Tx, actor writ.Actor, d writ.Demand, in writ.TransitionInput) (rules.Assessment, string, error) {
	id := d.ID
	a, err := s.storedAssessment(ctx, tx, id)
	if err != nil {
		return a, "", err
	}
	tc := transitionContext(&d, a, s.nowUTC())
	if err := tx.QueryRowContext(ctx, `SELECT verified FROM agencies WHERE id = $1`, d.AgencyID).Scan(&tc.AgencyVerified); err != nil {
		return a, "", fmt.Errorf("store: transition: %w", err)
	}
	var given sql.NullTime
	if err := tx.QueryRowContext(ctx, `SELECT state, given_at FROM notices WHERE demand_id = $1`, id).Scan(&tc.NoticeState, &given); err != nil {
		return a, "", fmt.Errorf("store: transition: %w", err)
	}
	tc.NoticeGivenAt = timePtr(given)
	tc.ObjectionWindowEnds = s.objectionWindowEnds(a, tc.NoticeGivenAt)
	if d.State == writ.StateDisclosed {
		var categories string
		if err := tx.QueryRowContext(ctx, `SELECT categories FROM disclosures WHERE demand_id = $1`, id).Scan(&categories); err != nil {
			return a, "", fmt.Errorf("store: transition: %w", err)
		}
		if tc.DisclosedCategories, err = fromJSONText[string](categories); err != nil {
			return a, "", err
		}
	}
	if tc.ObjectionOpen, err = s.objectionOpen(ctx, tx, id); err != nil {
		return a, "", err
	}
	if slices.Contains(a.Flags, rules.FlagContentTechnicallyUnavailable) {
		var confirmed bool
		if err := tx.QueryRowContext(ctx, `SELECT key_custody_confirmed FROM customers WHERE id = $1`, d.CustomerID).Scan(&confirmed); err != nil {
			return a, "", fmt.Errorf("store: transition: %w", err)
		}
		tc.KeyCustodyUnconfirmed = !confirmed
	}
	outcome, err := writ.CheckTransition(actor, tc, in)
	return a, outcome, err
}

// transitionContext is what CheckTransition needs to know of a demand's
// assessment, at the clock's now.
func transitionContext(d *writ.Demand, a rules.Assessment, now time.Time) writ.TransitionContext {
	tc := writ.TransitionContext{Demand: d, LegallySufficient: a.LegallySufficient, NoticeTiming: a.Notice.Timing,
		NationalSecurity: slices.Contains(a.Flags, rules.FlagNationalSecurity), Now: now}
	for _, def := range a.Deficiencies {
		tc.Deficiencies = append(tc.Deficiencies, def.Code)
	}
	return tc
}

// objectionWindowEnds is when the customer's objection window ends for a
// notice given at given: the objection window from that moment, and never
// before the rulebook's earliest disclosure. Zero when no notice was given.
func (s *Store) objectionWindowEnds(a rules.Assessment, given *time.Time) time.Time {
	if given == nil {
		return time.Time{}
	}
	end := given.Add(s.rules.ObjectionWindow())
	for _, dl := range a.Deadlines {
		if dl.Code == rules.DeadlineEarliestDisclosure && dl.Due.After(end) {
			end = dl.Due
		}
	}
	return end.UTC()
}

// storedAssessment reads the demand's current assessment.
func (s *Store) storedAssessment(ctx context.Context, tx *sql.Tx, id int64) (rules.Assessment, error) {
	var a rules.Assessment
	var body string
	if err := tx.QueryRowContext(ctx, `SELECT body FROM assessments WHERE demand_id = $1`, id).Scan(&body); err != nil {
		return a, fmt.Errorf("store: assessment of demand %d: %w", id, err)
	}
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		return a, fmt.Errorf("store: assessment of demand %d: %w", id, err)
	}
	return a, nil
}

// applyTransition writes an allowed move and what it records.
func (s *Store) applyTransition(ctx context.Context, tx *sql.Tx, actor writ.Actor, d *writ.Demand, a rules.Assessment, in writ.TransitionInput, outcome string) error {
	now := s.nowUTC()
	from := d.State
	var reviewer any = nullInt64(d.ReviewerID)
	if in.To == writ.StateInReview {
		reviewer = actor.UserID
	}
	var out any
	if outcome != "" {
		out = outcome
	}
	_, err := tx.ExecContext(ctx, `UPDATE demands SET state = $1, outcome = $2, reviewer_id = $3, version = version + 1, updated_at = $4 WHERE id = $5`,
		string(in.To), out, reviewer, now, d.ID)
	if err != nil {
		return fmt.Errorf("store: transition: %w", err)
	}
	event := map[string]any{"from": from, "to": in.To, "rationale": in.Rationale}
	if outcome != "" {
		event["outcome"] = outcome
	}
	if in.ChallengeOutcome != "" {
		event["challenge_outcome"] = in.ChallengeOutcome
		if _, err := tx.ExecContext(ctx, `UPDATE challenges SET outcome = $1 WHERE demand_id = $2 AND outcome = ''`, in.ChallengeOutcome, d.ID); err != nil {
			return fmt.Errorf("store: transition: %w", err)
		}
	}
	if err := s.recordDecision(ctx, tx, actor, d, a, in, now, event); err != nil {
		return err
	}
	switch in.To {
	case writ.StateChallenged:
		deadline, err := challengeDeadline(in.Challenge.Deadline, a)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO challenges (demand_id, grounds, forum, filed_at, deadline, shared_grounds) VALUES ($1, $2, $3, $4, $5, $6)`,
			d.ID, in.Challenge.Grounds, in.Challenge.Forum, now, nullTime(deadline), in.Challenge.SharedGrounds); err != nil {
			return fmt.Errorf("store: transition: %w", err)
		}
		event["challenge"] = in.Challenge
	case writ.StateDisclosed:
		if err := s.recordDisclosure(ctx, tx, actor, d, in.Disclosure); err != nil {
			return err
		}
		event["disclosure"] = in.Disclosure
	}
	id := d.ID
	if err := s.appendEvent(ctx, tx, actor, &id, "demand.transition", event); err != nil {
		return err
	}
	if err := s.afterTransition(ctx, tx, *d, a, in.To); err != nil {
		return err
	}
	// Moving the demand meets some deadlines and makes others moot. (A
	// move to noticed records nothing of the notice: it counts as given
	// only once a delivery succeeds.)
	return s.refreshDeadlines(ctx, tx, d)
}

// recordDisclosure writes what was produced; only categories approved for
// the demand may have been.
func (s *Store) recordDisclosure(ctx context.Context, tx *sql.Tx, actor writ.Actor, d *writ.Demand, in *writ.DisclosureInput) error {
	var approved string
	err := tx.QueryRowContext(ctx, `SELECT categories FROM decisions WHERE demand_id = $1 AND kind IN ('disclose', 'narrow') ORDER BY id DESC LIMIT 1`, d.ID).Scan(&approved)
	if err != nil {
		return fmt.Errorf("store: disclosure: %w", err)
	}
	allowed, err := fromJSONText[string](approved)
	if err != nil {
		return err
	}
	// A category the demand was narrowed out of since its approval is no
	// longer asked for.
	allowed = slices.DeleteFunc(allowed, func(c string) bool { return !slices.Contains(d.DataCategories, c) })
	if len(in.Categories) == 0 {
		return writ.FieldErrorf("disclosure.categories", "name the categories produced")
	}
	for i, c := range in.Categories {
		if !slices.Contains(allowed, c) {
			return writ.FieldErrorf(fmt.Sprintf("disclosure.categories[%d]", i), "%q was not approved for disclosure (approved: %v)", c, allowed)
		}
	}
	if in.Accounts < 0 || in.Records < 0 {
		return writ.FieldErrorf("disclosure.records", "counts cannot be negative")
	}
	if p := in.PackageSHA256; p != "" && (len(p) != 64 || !isHex(p)) {
		return writ.FieldErrorf("disclosure.package_sha256", "a SHA-256 is 64 hexadecimal digits")
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO disclosures (demand_id, categories, accounts, records, package_sha256, disclosed_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		d.ID, jsonText(in.Categories), in.Accounts, in.Records, in.PackageSHA256, actor.Name, s.nowUTC())
	if err != nil {
		return fmt.Errorf("store: disclosure: %w", err)
	}
	return nil
}

func isHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// challengeDeadline is the given filing deadline or, by default, the
// soonest of the assessment's challenge deadlines.
func challengeDeadline(given string, a rules.Assessment) (*time.Time, error) {
	if given != "" {
		t, err := time.Parse(time.RFC3339, given)
		if err != nil {
			return nil, writ.FieldErrorf("challenge.deadline", "not an RFC 3339 time: %q", given)
		}
		t = t.UTC()
		return &t, nil
	}
	for _, dl := range a.Deadlines { // sorted by due
		switch dl.Code {
		case "COMITY_MOTION", "CONFLICT_OBJECTION", "RESPOND":
			t := dl.Due.UTC()
			return &t, nil
		}
	}
	return nil, nil
}

// userName is the name of a user, for decision records.
func (s *Store) userName(ctx context.Context, tx *sql.Tx, id *int64) (string, error) {
	if id == nil {
		return "", nil
	}
	var name string
	if err := tx.QueryRowContext(ctx, `SELECT name FROM users WHERE id = $1`, *id).Scan(&name); err != nil {
		return "", fmt.Errorf("store: user %d: %w", *id, err)
	}
	return name, nil
}

// recordDecision records the decision a move to in.To makes, if it makes
// one: to approve (the categories the reviewer may disclose, with who
// decided and who approved), to reject, to challenge. It notes the
// decision in the move's event.
func (s *Store) recordDecision(ctx context.Context, tx *sql.Tx, actor writ.Actor, d *writ.Demand, a rules.Assessment, in writ.TransitionInput, now time.Time, event map[string]any) error {
	if kind := writ.DecisionKind(in.To, false); kind != "" {
		categories, decided, approved := []string{}, actor.Name, ""
		if in.To == writ.StateApproved {
			chosen, err := approvedCategories(a, in)
			if err != nil {
				return err
			}
			categories = chosen
			kind = writ.DecisionKind(in.To, len(categories) < len(d.DataCategories))
			reviewer, err := s.userName(ctx, tx, d.ReviewerID)
			if err != nil {
				return err
			}
			decided, approved = reviewer, actor.Name
			event["categories"] = categories
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO decisions (demand_id, kind, categories, rationale, decided_by, approved_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			d.ID, kind, jsonText(categories), in.Rationale, decided, approved, now); err != nil {
			return fmt.Errorf("store: transition: %w", err)
		}
		event["decision"] = kind
	}
	return nil
}

// approvedCategories are the categories an approval lets the provider
// disclose: those the reviewer chose, each of which the assessment must
// allow, or every category it allows when the reviewer chose none.
func approvedCategories(a rules.Assessment, in writ.TransitionInput) ([]string, error) {
	if in.Categories == nil {
		return a.DisclosableCategories, nil
	}
	for i, c := range in.Categories {
		if !slices.Contains(a.DisclosableCategories, c) {
			return nil, writ.FieldErrorf(fmt.Sprintf("categories[%d]", i), "%q may not be disclosed under this demand (disclosable: %v)", c, a.DisclosableCategories)
		}
	}
	return in.Categories, nil
}

// disclosedOnlyByPackage refuses a move to disclosed that is not the
// making available of a production package: the transparency report's
// counts come from the package, never from typed figures.
func disclosedOnlyByPackage(id int64, in writ.TransitionInput) error {
	field := "to"
	if in.Disclosure != nil {
		field = "disclosure"
	}
	return writ.FieldErrorf(field, "demand %d becomes disclosed only when its production package is made available: upload the package (POST /v1/demands/%d/production), whose files give the counts", id, id)
}
