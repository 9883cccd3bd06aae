package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"writ"
)

// objectionOpen reports whether the customer has objected to the demand
// and the legal team has not decided the objection.
func (s *Store) objectionOpen(ctx context.Context, db querier, demandID int64) (bool, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM customer_responses WHERE demand_id = $1 AND kind = 'object' AND decision = ''`, demandID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: objection: %w", err)
	}
	return n > 0, nil
}

// Respond records a customer's answer to a demand it was told of. Customer
// users only, and only on their own tenant's demands that they may see
// (ENOTFOUND otherwise, as for a demand that does not exist); EFORBIDDEN
// for anyone else who can see it.
//
// An acknowledgement marks the notice acknowledged. An objection (grounds
// required) blocks approval and disclosure until the legal team decides
// it, and puts an approved or noticed demand back in review — writ's own
// move, recorded as a transition by the customer. ECONFLICT when the
// demand is closed or an objection is already open.
func (s *Store) Respond(ctx context.Context, actor writ.Actor, demandID int64, in writ.CustomerResponseInput) (writ.CustomerResponse, error) {
	var out writ.CustomerResponse
	in.Grounds = strings.TrimSpace(in.Grounds)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		d, err := s.demand(ctx, tx, actor, demandID, s.forUpdate())
		if err != nil {
			return err
		}
		if actor.Role != writ.RoleCustomer {
			return writ.Errorf(writ.EFORBIDDEN, "only the customer answers a notice")
		}
		if !slices.Contains([]string{writ.ResponseAcknowledge, writ.ResponseObject, writ.ResponseWillAnswerAgency}, in.Kind) {
			return writ.FieldErrorf("kind", "unknown response %q (acknowledge, object or will_answer_agency)", in.Kind)
		}
		if in.Kind == writ.ResponseObject && in.Grounds == "" {
			return writ.FieldErrorf("grounds", "an objection needs its grounds")
		}
		if len(in.Grounds) > 10000 {
			return writ.FieldErrorf("grounds", "at most 10000 characters")
		}
		if d.State == writ.StateClosed {
			return writ.Errorf(writ.ECONFLICT, "demand %d is closed", demandID)
		}
		now := s.nowUTC()
		switch in.Kind {
		case writ.ResponseObject:
			open, err := s.objectionOpen(ctx, tx, demandID)
			if err != nil {
				return err
			}
			if open {
				return writ.Errorf(writ.ECONFLICT, "an objection to demand %d is already open", demandID)
			}
		case writ.ResponseAcknowledge:
			if _, err := tx.ExecContext(ctx, `UPDATE notices SET state = 'acknowledged', acknowledged_at = $1, updated_at = $2
				WHERE demand_id = $3 AND state IN ('scheduled', 'sent', 'delivered', 'failed')`, now, now, demandID); err != nil {
				return fmt.Errorf("store: response: %w", err)
			}
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO customer_responses (demand_id, kind, grounds, by_user, by_name, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			demandID, in.Kind, in.Grounds, actor.UserID, actor.Name, now).Scan(&out.ID)
		if err != nil {
			return fmt.Errorf("store: response: %w", err)
		}
		out = writ.CustomerResponse{ID: out.ID, DemandID: demandID, Kind: in.Kind, Grounds: in.Grounds, By: actor.Name, At: now}
		id := demandID
		if err := s.appendEvent(ctx, tx, actor, &id, "customer."+in.Kind, out); err != nil {
			return err
		}
		// An answer in the portal shows the customer has the notice, however
		// it reached it: the notice counts as given from now, if it had not
		// been before.
		if err := s.noticeGiven(ctx, tx, demandID, now, "portal"); err != nil {
			return err
		}
		if in.Kind == writ.ResponseObject && (d.State == writ.StateApproved || d.State == writ.StateNoticed) && d.State.CanMove(writ.StateInReview) {
			if _, err := tx.ExecContext(ctx, `UPDATE demands SET state = $1, version = version + 1, updated_at = $2 WHERE id = $3`,
				string(writ.StateInReview), now, demandID); err != nil {
				return fmt.Errorf("store: response: %w", err)
			}
			return s.appendEvent(ctx, tx, actor, &id, "demand.transition", map[string]any{"from": d.State, "to": writ.StateInReview,
				"rationale": "the customer objected: " + in.Grounds, "objection_id": out.ID})
		}
		return nil
	})
	return out, err
}

// DecideObjection records the legal team's decision on an open objection:
// upheld or overruled, with a rationale. Reviewers, approvers and admins;
// ENOTFOUND when the demand has no such response, ECONFLICT when it is not
// an open objection.
func (s *Store) DecideObjection(ctx context.Context, actor writ.Actor, demandID, responseID int64, in writ.ObjectionDecisionInput) (writ.CustomerResponse, error) {
	var out writ.CustomerResponse
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.demand(ctx, tx, actor, demandID, s.forUpdate()); err != nil {
			return err
		}
		if !actor.Role.LegalTeam() {
			return writ.Errorf(writ.EFORBIDDEN, "only the legal team decides an objection")
		}
		if in.Decision != "upheld" && in.Decision != "overruled" {
			return writ.FieldErrorf("decision", "must be upheld or overruled")
		}
		in.Rationale = strings.TrimSpace(in.Rationale)
		if in.Rationale == "" {
			return writ.FieldErrorf("rationale", "a decision on an objection needs its rationale")
		}
		list, err := s.responses(ctx, tx, demandID, responseID)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return writ.Errorf(writ.ENOTFOUND, "demand %d has no response %d", demandID, responseID)
		}
		if list[0].Kind != writ.ResponseObject || list[0].Decision != "" {
			return writ.Errorf(writ.ECONFLICT, "response %d is not an open objection", responseID)
		}
		now := s.nowUTC()
		if _, err := tx.ExecContext(ctx, `UPDATE customer_responses SET decision = $1, decision_rationale = $2, decided_by = $3, decided_at = $4 WHERE id = $5`,
			in.Decision, in.Rationale, actor.Name, now, responseID); err != nil {
			return fmt.Errorf("store: objection decision: %w", err)
		}
		out = list[0]
		out.Decision, out.DecisionRationale, out.DecidedBy, out.DecidedAt = in.Decision, in.Rationale, actor.Name, &now
		id := demandID
		return s.appendEvent(ctx, tx, actor, &id, "objection.decided", map[string]any{"response_id": responseID, "decision": in.Decision, "rationale": in.Rationale})
	})
	return out, err
}

// Responses lists the customer's answers to a demand, oldest first: for the
// legal team, auditors and the customer itself (ENOTFOUND for a demand the
// actor may not see); agencies get EFORBIDDEN.
func (s *Store) Responses(ctx context.Context, actor writ.Actor, demandID int64) ([]writ.CustomerResponse, error) {
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return nil, err
	}
	if !actor.Role.SeesAll() && actor.Role != writ.RoleCustomer {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the customer and the legal team read the customer's answers")
	}
	return s.responses(ctx, s.read, demandID, 0)
}

func (s *Store) responses(ctx context.Context, db querier, demandID, id int64) ([]writ.CustomerResponse, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, demand_id, kind, grounds, by_name, at, decision, decision_rationale, decided_by, decided_at
		FROM customer_responses WHERE demand_id = $1 AND ($2 = 0 OR id = $3) ORDER BY id`, demandID, id, id)
	if err != nil {
		return nil, fmt.Errorf("store: responses: %w", err)
	}
	defer rows.Close()
	out := []writ.CustomerResponse{}
	for rows.Next() {
		var r writ.CustomerResponse
		var decided sql.NullTime
		if err := rows.Scan(&r.ID, &r.DemandID, &r.Kind, &r.Grounds, &r.By, &r.At, &r.Decision, &r.DecisionRationale, &r.DecidedBy, &decided); err != nil {
			return nil, fmt.Errorf("store: responses: %w", err)
		}
		r.At, r.DecidedAt = r.At.UTC(), timePtr(decided)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return out, nil
}
