package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"writ"
	"writ/rules"
)

// CaseOf builds the rulebook's case for a demand of agency ag about
// customer c. The requesting authority counts as verified only when the
// agency is verified in the registry and the legal team (or the agency's
// own signed-in user) established that the requester speaks for it.
func CaseOf(d *writ.Demand, ag writ.Agency, c writ.Customer) (rules.Case, error) {
	k := rules.Case{
		Demand: rules.Demand{
			ReceivedAt: d.ReceivedAt,
			Channel:    d.Channel,
			Authority: rules.Authority{
				Name:     ag.Name,
				Country:  ag.Country,
				Kind:     ag.Kind,
				Verified: ag.Verified && d.RequesterVerified,
			},
			Instrument:             d.Instrument,
			IssuedBy:               d.IssuedBy,
			ValidatedBy:            d.ValidatedBy,
			OffenceMaxYears:        d.OffenceMaxYears,
			OffenceListed:          d.OffenceListed,
			OffenceInIssuingState:  d.OffenceInIssuingState,
			DataCategories:         slices.Clone(d.DataCategories),
			Accounts:               slices.Clone(d.Accounts),
			Due:                    d.Due,
			CustomerFirstException: d.CustomerFirstException,
			SubjectResidence:       d.SubjectResidence,
			SubjectLocation:        d.SubjectLocation,
			SubjectUSPerson:        d.SubjectUSPerson,
			DataLocationsSought:    SoughtLocations(d, c),
			NoticePermitted:        d.NoticePermitted,
		},
		Customer: rules.Customer{
			Kind:            c.Kind,
			HomeCountry:     c.HomeCountry,
			HomeSubdivision: c.HomeSubdivision,
			USPerson:        c.USPerson,
			DataLocations:   c.Countries(),
			KeyCustody:      c.KeyCustody,
			LegalContact:    c.LegalContact,
		},
	}
	if d.Nondisclosure != nil {
		n := &rules.Nondisclosure{Basis: d.Nondisclosure.Basis}
		if d.Nondisclosure.Until != "" {
			until, err := rules.ParseDate(d.Nondisclosure.Until)
			if err != nil {
				return k, writ.FieldErrorf("nondisclosure.until", "not a date (YYYY-MM-DD): %q", d.Nondisclosure.Until)
			}
			n.Until = &until
		}
		k.Demand.Nondisclosure = n
	}
	if d.Emergency != nil {
		k.Demand.Emergency = &rules.Emergency{Justification: d.Emergency.Justification, VerifiedByCallback: d.Emergency.VerifiedByCallback}
	}
	return k, nil
}

// SoughtLocations is what the rulebook takes for the regions a demand
// reaches: the countries it names that hold some of the customer's data.
// A demand that names none (or only places where the customer keeps
// nothing) is taken to reach every location, which weighs every law the
// customer's data answers to; the demand page says so.
func SoughtLocations(d *writ.Demand, c writ.Customer) []string {
	var out []string
	held := c.Countries()
	for _, country := range d.DataLocationsSought {
		if slices.Contains(held, country) && !slices.Contains(out, country) {
			out = append(out, country)
		}
	}
	return out
}

// reassess assesses the demand as it stands in tx, stores the assessment
// with the rulebook version, replaces the demand's deadlines with the
// assessment's, and brings the demand's route, next deadline, flags and
// notice up to date. Every change to a demand calls it in the same
// transaction, so a stored assessment never lags its demand.
func (s *Store) reassess(ctx context.Context, tx *sql.Tx, d *writ.Demand) (rules.Assessment, error) {
	ag, err := scanAgency(tx.QueryRowContext(ctx, s.q(`SELECT `+agencyColumns+` FROM agencies WHERE id = ?`), d.AgencyID))
	if err != nil {
		return rules.Assessment{}, fmt.Errorf("store: assess: agency: %w", err)
	}
	c, err := scanCustomer(tx.QueryRowContext(ctx, s.q(`SELECT `+customerColumns+` FROM customers WHERE id = ?`), d.CustomerID))
	if err != nil {
		return rules.Assessment{}, fmt.Errorf("store: assess: customer: %w", err)
	}
	if err := s.fillCustomer(ctx, tx, &c); err != nil {
		return rules.Assessment{}, err
	}
	k, err := CaseOf(d, ag, c)
	if err != nil {
		return rules.Assessment{}, err
	}
	if err := s.rules.Validate(&k); err != nil {
		return rules.Assessment{}, err
	}
	a := s.rules.Assess(k)
	body, err := json.Marshal(a)
	if err != nil {
		return a, fmt.Errorf("store: assess: %w", err)
	}
	now := s.nowUTC()
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM assessments WHERE demand_id = ?`), d.ID); err != nil {
		return a, fmt.Errorf("store: assess: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO assessments (demand_id, rulebook, body, computed_at) VALUES (?, ?, ?, ?)`), d.ID, s.rules.Version(), string(body), now); err != nil {
		return a, fmt.Errorf("store: assess: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM deadlines WHERE demand_id = ?`), d.ID); err != nil {
		return a, fmt.Errorf("store: assess: %w", err)
	}
	var next *time.Time
	for _, dl := range a.Deadlines {
		due := dl.Due.UTC()
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO deadlines (demand_id, code, due) VALUES (?, ?, ?)`), d.ID, dl.Code, due); err != nil {
			return a, fmt.Errorf("store: assess: %w", err)
		}
		if next == nil || due.Before(*next) {
			next = &due
		}
	}
	if d.State == writ.StateClosed {
		next = nil
	}
	d.Route, d.NextDeadline, d.Flags = a.Route, next, slices.Clone(a.Flags)
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE demands SET route = ?, next_deadline = ?, flags = ? WHERE id = ?`), a.Route, nullTime(next), jsonText(a.Flags), d.ID); err != nil {
		return a, fmt.Errorf("store: assess: %w", err)
	}
	if err := s.scheduleNotice(ctx, tx, d, a); err != nil {
		return a, err
	}
	return a, s.followAssessment(ctx, tx, d, a)
}

// scheduleNotice keeps the demand's notice in step with its assessment
// until the notice has gone out; after that only the record of what was
// sent matters.
func (s *Store) scheduleNotice(ctx context.Context, tx *sql.Tx, d *writ.Demand, a rules.Assessment) error {
	var state string
	err := tx.QueryRowContext(ctx, s.q(`SELECT state FROM notices WHERE demand_id = ?`), d.ID).Scan(&state)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: notice: %w", err)
	}
	switch state {
	case "sent", "delivered", "acknowledged", "failed":
		return nil
	}
	n := noticeOf(d, a)
	// The emergency is over for the provider once the disclosure it
	// justified was made (or the demand was closed): the notice follows at
	// once.
	if a.Notice.Timing == "after_emergency" && (d.State == writ.StateDisclosed || d.State == writ.StateClosed) {
		now := s.nowUTC()
		n.state, n.reason, n.sendAt = "scheduled", "", &now
	}
	state, until, reason, sendAt := n.state, n.until, n.reason, n.sendAt
	now := s.nowUTC()
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO notices (demand_id, timing, state, send_at, until, reason, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (demand_id) DO UPDATE SET timing = excluded.timing, state = excluded.state, send_at = excluded.send_at,
		until = excluded.until, reason = excluded.reason, updated_at = excluded.updated_at`),
		d.ID, a.Notice.Timing, state, nullTime(sendAt), until, reason, now)
	if err != nil {
		return fmt.Errorf("store: notice: %w", err)
	}
	// Until notice has gone out, the customer sees the demand exactly when
	// notice is due at receipt: an order or prohibition arriving later
	// hides it again.
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE demands SET customer_visible = ? WHERE id = ?`), state == "scheduled", d.ID); err != nil {
		return fmt.Errorf("store: notice: %w", err)
	}
	return s.scheduleNoticeJobs(ctx, tx, d, state, sendAt, until)
}

// noticeOf is the notice a demand with assessment a has until it goes
// out: scheduleNotice records it on every change, bulk imports at once.
func noticeOf(d *writ.Demand, a rules.Assessment) noticeRecord {
	var n noticeRecord
	switch a.Notice.Timing {
	case "prohibited":
		n.state, n.reason = "prohibited", "national security"
	case "delayed":
		n.state = "delayed"
		if a.Notice.Until != nil {
			n.until = a.Notice.Until.String()
		}
		if d.Nondisclosure != nil {
			n.reason = d.Nondisclosure.Basis
		}
	case "after_emergency":
		n.state, n.reason = "delayed", "emergency"
	case "with_redirect", "before_disclosure":
		n.state, n.sendAt = "scheduled", a.Notice.SendAt
	default:
		n.state = "none"
	}
	return n
}

// Assessment returns the stored assessment of a demand as JSON, with the
// rulebook version that produced it. The legal team and auditors only: the
// assessment is the provider's legal analysis.
func (s *Store) Assessment(ctx context.Context, actor writ.Actor, demandID int64) (json.RawMessage, error) {
	if !actor.Role.SeesAll() {
		if _, err := s.Demand(ctx, actor, demandID); err != nil {
			return nil, err
		}
		return nil, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors may read assessments")
	}
	var body string
	err := s.read.QueryRowContext(ctx, s.q(`SELECT body FROM assessments WHERE demand_id = ?`), demandID).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("assessment of demand", demandID)
	}
	if err != nil {
		return nil, fmt.Errorf("store: assessment: %w", err)
	}
	return json.RawMessage(body), nil
}
