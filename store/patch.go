package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"writ"
)

// UpdateDemand changes a demand and reassesses it in the same transaction.
// The legal team may change every field of writ.DemandPatch; an agency only
// its own demand's reference, due date, non-disclosure order and the facts
// it states (where the person is and resides, whether a US person, the
// regions sought, whether an EU order's issuer permits notice), while the
// demand is open. Customers and auditors get EFORBIDDEN; ECONFLICT once the
// demand is closed; ENOTFOUND for a demand the actor may not see.
//
// Long because: who may change which field, then the change, then the
// reassessment, all in one transaction whose order matters.
func (s *Store) UpdateDemand(ctx context.Context, actor writ.Actor, id int64, p writ.DemandPatch) (writ.Demand, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		d, err := s.demand(ctx, tx, actor, id, s.forUpdate())
		if err != nil {
			return err
		}
		switch {
		case actor.Role.LegalTeam():
		case actor.Role == writ.RoleAgency:
			if p.AssigneeID != nil || p.RequesterVerified != nil || p.CustomerFirstException != nil || p.DataCategories != nil {
				return writ.Errorf(writ.EFORBIDDEN, "an agency may change only the reference, the due date, the non-disclosure order and the facts it states about the person and the regions sought")
			}
		default:
			return writ.Errorf(writ.EFORBIDDEN, "role %s may not change demands", actor.Role)
		}
		if d.State == writ.StateClosed {
			return writ.Errorf(writ.ECONFLICT, "demand %d is closed", id)
		}
		if err := checkVersion(d, p); err != nil {
			return err
		}
		changed := map[string]any{}
		if p.Reference != nil {
			if len(*p.Reference) > 200 {
				return writ.FieldErrorf("reference", "at most 200 characters")
			}
			d.Reference, changed["reference"] = *p.Reference, *p.Reference
		}
		if p.AssigneeID != nil {
			var role string
			if err := tx.QueryRowContext(ctx, `SELECT role FROM users WHERE id = $1 AND deactivated_at IS NULL`, *p.AssigneeID).Scan(&role); err != nil || !writ.Role(role).LegalTeam() {
				return writ.FieldErrorf("assignee_id", "user %d is not a member of the legal team", *p.AssigneeID)
			}
			d.AssigneeID, changed["assignee_id"] = p.AssigneeID, *p.AssigneeID
		}
		if p.RequesterVerified != nil {
			if *p.RequesterVerified && d.RequesterCheck != "" {
				return writ.Errorf(writ.ECONFLICT, "the requester's address was flagged (%s): it cannot be verified; ask the agency to send the demand from its registered domain or portal account", d.RequesterCheck)
			}
			d.RequesterVerified, changed["requester_verified"] = *p.RequesterVerified, *p.RequesterVerified
		}
		if p.Due != nil {
			if err := checkTime("due", p.Due); err != nil {
				return err
			}
			due := p.Due.UTC()
			d.Due, changed["due"] = &due, due
		}
		if p.Nondisclosure != nil && p.ClearNondisclosure {
			return writ.FieldErrorf("clear_nondisclosure", "either replace or clear the non-disclosure order, not both")
		}
		if n := p.Nondisclosure; n != nil {
			if n.Basis == "" {
				return writ.FieldErrorf("nondisclosure.basis", "state the legal basis of the non-disclosure order")
			}
			if n.Until != "" {
				if _, err := parseDate("nondisclosure.until", n.Until); err != nil {
					return err
				}
			}
			d.Nondisclosure, changed["nondisclosure"] = n, n
		}
		if p.ClearNondisclosure {
			d.Nondisclosure, changed["nondisclosure"] = nil, nil
		}
		if e := p.CustomerFirstException; e != nil {
			if *e != "" && !slices.Contains(writ.CustomerFirstExceptions(), *e) {
				return writ.FieldErrorf("customer_first_exception", "unknown exception %q", *e)
			}
			d.CustomerFirstException, changed["customer_first_exception"] = *e, *e
		}
		if err := s.patchFacts(ctx, tx, actor, &d, p, changed); err != nil {
			return err
		}
		if err := narrowCategories(&d, p.DataCategories, changed); err != nil {
			return err
		}
		if len(changed) == 0 {
			return writ.FieldErrorf("", "the change names no field")
		}
		return s.saveDemand(ctx, tx, actor, &d, changed)
	})
	if err != nil {
		return writ.Demand{}, err
	}
	return s.Demand(ctx, actor, id)
}

// patchFacts applies the facts rulebook v2 weighs. The legal team may name
// only regions where the customer keeps data; an agency may name any
// country, so that it learns nothing of where the customer's data is.
func (s *Store) patchFacts(ctx context.Context, tx *sql.Tx, actor writ.Actor, d *writ.Demand, p writ.DemandPatch, changed map[string]any) error {
	country := func(field string, v *string, dst *string) error {
		if v == nil {
			return nil
		}
		c := strings.ToUpper(strings.TrimSpace(*v))
		if c != "" && !s.rules.IsCountry(c) {
			return writ.FieldErrorf(field, "unknown country code %q (ISO 3166-1 alpha-2)", *v)
		}
		*dst, changed[field] = c, c
		return nil
	}
	if err := country("subject_location", p.SubjectLocation, &d.SubjectLocation); err != nil {
		return err
	}
	if err := country("subject_residence", p.SubjectResidence, &d.SubjectResidence); err != nil {
		return err
	}
	switch {
	case p.SubjectUSPerson != nil && p.ClearSubjectUSPerson:
		return writ.FieldErrorf("clear_subject_us_person", "either set or clear whether the person is a US person, not both")
	case p.SubjectUSPerson != nil:
		v := *p.SubjectUSPerson
		d.SubjectUSPerson, changed["subject_us_person"] = &v, v
	case p.ClearSubjectUSPerson:
		d.SubjectUSPerson, changed["subject_us_person"] = nil, nil
	}
	if p.DataLocationsSought != nil {
		sought := slices.Clone(*p.DataLocationsSought)
		if err := s.validateSought(sought); err != nil {
			return err
		}
		if actor.Role.LegalTeam() && len(sought) > 0 && d.CustomerID != 0 {
			c, err := scanCustomer(tx.QueryRowContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = $1`, d.CustomerID))
			if err != nil {
				return fmt.Errorf("store: update demand: %w", err)
			}
			if err := s.fillCustomer(ctx, tx, &c); err != nil {
				return err
			}
			for i, loc := range sought {
				if !slices.Contains(c.Countries(), loc) {
					return writ.FieldErrorf(fmt.Sprintf("data_locations_sought[%d]", i), "%s is not one of the customer's data locations (%s)", loc, strings.Join(c.Countries(), ", "))
				}
			}
		}
		d.DataLocationsSought, changed["data_locations_sought"] = sought, sought
	}
	if p.NoticePermitted != nil {
		d.NoticePermitted, changed["notice_permitted"] = *p.NoticePermitted, *p.NoticePermitted
	}
	return nil
}

// saveDemand writes the fields of a demand a change may touch, reassesses
// it and records the change as a demand.updated event, in tx.
func (s *Store) saveDemand(ctx context.Context, tx *sql.Tx, actor writ.Actor, d *writ.Demand, changed map[string]any) error {
	var ndoBasis, ndoUntil string
	if d.Nondisclosure != nil {
		ndoBasis, ndoUntil = d.Nondisclosure.Basis, d.Nondisclosure.Until
	}
	_, err := tx.ExecContext(ctx, `UPDATE demands SET reference = $1, assignee_id = $2, requester_verified = $3, due = $4, ndo = $5, ndo_basis = $6,
		ndo_until = $7, customer_first_exception = $8, subject_location = $9, subject_residence = $10, subject_us_person = $11,
		data_locations_sought = $12, notice_permitted = $13, data_categories = $14, version = version + 1, updated_at = $15 WHERE id = $16`,
		d.Reference, nullInt64(d.AssigneeID), d.RequesterVerified, nullTime(d.Due), d.Nondisclosure != nil, ndoBasis,
		ndoUntil, d.CustomerFirstException, d.SubjectLocation, d.SubjectResidence, nullBool(d.SubjectUSPerson),
		jsonText(d.DataLocationsSought), d.NoticePermitted, jsonText(d.DataCategories), s.nowUTC(), d.ID)
	if err != nil {
		return fmt.Errorf("store: update demand: %w", err)
	}
	a, err := s.reassess(ctx, tx, d)
	if err != nil {
		return err
	}
	id := d.ID
	return s.appendEvent(ctx, tx, actor, &id, "demand.updated", map[string]any{"changes": changed, "rulebook": s.rules.Version(), "route": a.Route})
}

// digits keeps the digits of a telephone number, so "+1 (202) 324-3000"
// and "12023243000" compare equal.
func digits(number string) string {
	var b strings.Builder
	for _, r := range number {
		if '0' <= r && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// checkVersion holds a change to the version the caller read (see
// writ.DemandPatch.Version).
func checkVersion(d writ.Demand, p writ.DemandPatch) error {
	switch {
	case p.Version == nil && p.VersionRequired:
		return &writ.Error{Code: writ.EIFMATCH, Field: "If-Match", Message: "send the demand's ETag (from GET /v1/demands/{id}) in If-Match, so that a change made meanwhile is not overwritten"}
	case p.Version != nil && *p.Version != d.Version:
		return &writ.Error{Code: writ.EPRECONDITION, Field: "If-Match", Message: fmt.Sprintf("the demand changed since it was read: it is at version %d, not %d; read it again", d.Version, *p.Version)}
	}
	return nil
}
