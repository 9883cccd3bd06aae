package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"writ"
	"writ/rules"
)

// Reasons says why a demand was answered as it was, for its agency (and
// the legal team and auditors, who see what the agency sees): the
// deficiencies of a rejected demand, the customer's legal contact of a
// redirected one, the grounds of a challenge the legal team chose to
// share. Only what the answer makes the agency's to know: nothing while
// the demand is still open. Customers get EFORBIDDEN.
func (s *Store) Reasons(ctx context.Context, actor writ.Actor, demandID int64) (writ.Reasons, error) {
	out := writ.Reasons{Deficiencies: []writ.ReasonDetail{}}
	d, err := s.Demand(ctx, actor, demandID)
	if err != nil {
		return out, err
	}
	if actor.Role == writ.RoleCustomer {
		return out, writ.Errorf(writ.EFORBIDDEN, "the reasons of an answer are the agency's")
	}
	out.State = d.State
	switch {
	case d.State == writ.StateRejected || d.Outcome == writ.OutcomeRejected:
		a, err := s.currentAssessment(ctx, demandID)
		if err != nil {
			return out, err
		}
		for _, def := range a.Deficiencies {
			out.Deficiencies = append(out.Deficiencies, writ.ReasonDetail{Code: def.Code, Message: def.Message})
		}
		err = s.read.QueryRowContext(ctx, `SELECT shared_grounds FROM challenges WHERE demand_id = $1 ORDER BY id DESC LIMIT 1`, demandID).Scan(&out.ChallengeGrounds)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return out, fmt.Errorf("store: reasons: %w", err)
		}
	case d.State == writ.StateRedirected || d.Outcome == writ.OutcomeRedirected:
		var r writ.RedirectTo
		err := s.read.QueryRowContext(ctx, `SELECT c.name, c.legal_contact FROM customers c JOIN demands d ON d.customer_id = c.id WHERE d.id = $1`, demandID).
			Scan(&r.Customer, &r.LegalContact)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return out, fmt.Errorf("store: reasons: %w", err)
		}
		if err == nil {
			out.RedirectTo = &r
		}
	case d.State == writ.StateChallenged:
		err := s.read.QueryRowContext(ctx, `SELECT shared_grounds FROM challenges WHERE demand_id = $1 ORDER BY id DESC LIMIT 1`, demandID).Scan(&out.ChallengeGrounds)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return out, fmt.Errorf("store: reasons: %w", err)
		}
	}
	return out, nil
}

// currentAssessment reads a demand's current assessment outside a change.
func (s *Store) currentAssessment(ctx context.Context, demandID int64) (rules.Assessment, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return rules.Assessment{}, unavailable(err)
	}
	defer tx.Rollback()
	return s.storedAssessment(ctx, tx, demandID)
}
