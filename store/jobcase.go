package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"writ"
	"writ/rules"
)

// JobCase reads what the records say of a demand when one of its jobs
// runs, as the system sees it: notify decides from it whether the job's
// business is still due, what its letter says and where it goes. It
// changes nothing. ENOTFOUND when there is no such demand.
func (s *Store) JobCase(ctx context.Context, demandID int64) (writ.JobCase, error) {
	var c writ.JobCase
	db := s.read
	d, err := s.demand(ctx, db, writ.System(), demandID, "")
	if err != nil {
		return c, err
	}
	c.Demand = d
	if c.Agency, err = scanAgency(db.QueryRowContext(ctx, `SELECT `+agencyColumns+` FROM agencies WHERE id = $1`, d.AgencyID)); err != nil {
		return c, fmt.Errorf("store: job case: agency: %w", err)
	}
	if d.CustomerID != 0 {
		if c.Customer, err = scanCustomer(db.QueryRowContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = $1`, d.CustomerID)); err != nil {
			return c, fmt.Errorf("store: job case: customer: %w", err)
		}
		if err := s.fillCustomer(ctx, db, &c.Customer); err != nil {
			return c, err
		}
	}
	var body string
	if err := db.QueryRowContext(ctx, `SELECT body FROM assessments WHERE demand_id = $1`, d.ID).Scan(&body); err != nil {
		return c, fmt.Errorf("store: job case: assessment: %w", err)
	}
	c.Assessment = json.RawMessage(body)
	own := d
	if err := s.ownAccounts(ctx, db, d.CustomerID, &own); err != nil {
		return c, err
	}
	c.OwnAccounts = own.Accounts
	ch, err := s.channelsOf(ctx, db, d.CustomerID)
	if err != nil {
		return c, err
	}
	c.WebhookSecret = ch.webhookSecret
	if err := s.caseNotice(ctx, db, &c); err != nil {
		return c, err
	}
	var a rules.Assessment
	if err := json.Unmarshal(c.Assessment, &a); err != nil {
		return c, fmt.Errorf("store: job case: assessment: %w", err)
	}
	if c.Deadlines, err = s.caseDeadlines(ctx, db, &d, a); err != nil {
		return c, err
	}
	if c.Authorities, err = s.authorityNotifications(ctx, db, d.ID, 0); err != nil {
		return c, err
	}
	return c, s.caseAddresses(ctx, db, &c)
}

// caseNotice reads the notice's state and time and its deliveries.
func (s *Store) caseNotice(ctx context.Context, db querier, c *writ.JobCase) error {
	var sendAt sql.NullTime
	err := db.QueryRowContext(ctx, `SELECT state, send_at FROM notices WHERE demand_id = $1`, c.Demand.ID).Scan(&c.NoticeState, &sendAt)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: job case: notice: %w", err)
	}
	c.NoticeSendAt = timePtr(sendAt)
	rows, err := db.QueryContext(ctx, `SELECT channel, state FROM notice_deliveries WHERE demand_id = $1`, c.Demand.ID)
	if err != nil {
		return fmt.Errorf("store: job case: deliveries: %w", err)
	}
	defer rows.Close()
	c.Deliveries = map[string]string{}
	for rows.Next() {
		var channel, state string
		if err := rows.Scan(&channel, &state); err != nil {
			return fmt.Errorf("store: job case: deliveries: %w", err)
		}
		c.Deliveries[channel] = state
	}
	return rows.Err()
}

// caseDeadlines reads the deadlines the demand has on record with their
// status, and what the assessment (or writ, for its own) says of each.
func (s *Store) caseDeadlines(ctx context.Context, db querier, d *writ.Demand, a rules.Assessment) ([]writ.CaseDeadline, error) {
	rows, err := db.QueryContext(ctx, `SELECT code, due, status FROM deadlines WHERE demand_id = $1 ORDER BY due, code`, d.ID)
	if err != nil {
		return nil, fmt.Errorf("store: job case: deadlines: %w", err)
	}
	defer rows.Close()
	known := s.demandDeadlines(d, a)
	var out []writ.CaseDeadline
	for rows.Next() {
		var dl writ.CaseDeadline
		if err := rows.Scan(&dl.Code, &dl.Due, &dl.Status); err != nil {
			return nil, fmt.Errorf("store: job case: deadlines: %w", err)
		}
		dl.Due = dl.Due.UTC()
		if i := slices.IndexFunc(known, func(k rules.Deadline) bool { return k.Code == dl.Code && k.Due.Equal(dl.Due) }); i >= 0 {
			dl.Message = known[i].Message
		}
		out = append(out, dl)
	}
	return out, rows.Err()
}

// caseAddresses reads the address of the agency user who submitted the
// demand and those of its assignee and reviewer.
func (s *Store) caseAddresses(ctx context.Context, db querier, c *writ.JobCase) error {
	err := db.QueryRowContext(ctx, `SELECT u.email FROM demands d JOIN users u ON u.id = d.submitted_by WHERE d.id = $1 AND u.role = 'agency'`,
		c.Demand.ID).Scan(&c.Submitter)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: agency address: %w", err)
	}
	for _, id := range []*int64{c.Demand.AssigneeID, c.Demand.ReviewerID} {
		if id == nil {
			continue
		}
		var email string
		err := db.QueryRowContext(ctx, `SELECT email FROM users WHERE id = $1 AND deactivated_at IS NULL`, *id).Scan(&email)
		if err == nil {
			c.Assigned = append(c.Assigned, email)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: assignee: %w", err)
		}
	}
	return nil
}

// StaffEmails lists the addresses of the provider's active staff in one
// of roles, oldest account first.
func (s *Store) StaffEmails(ctx context.Context, roles ...writ.Role) ([]string, error) {
	args := make([]any, len(roles))
	for i, r := range roles {
		args[i] = string(r)
	}
	rows, err := s.read.QueryContext(ctx, `SELECT email FROM users WHERE role IN (`+ordinals(1, len(roles))+`) AND active AND deactivated_at IS NULL ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: staff: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, fmt.Errorf("store: staff: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
