package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"writ"
)

const demandColumns = `d.id, d.group_id, d.reference, d.agency_id, d.customer_id, d.channel, d.received_at, d.requester, d.requester_verified,
	d.instrument, d.citation, d.issued_by, d.validated_by, d.offence_max_years, d.offence_listed, d.offence_in_issuing_state,
	d.subject_residence, d.data_categories, d.accounts, d.range_from, d.range_to, d.due, d.ndo, d.ndo_basis, d.ndo_until,
	d.emergency, d.emergency_justification, d.emergency_callback, d.customer_first_exception, d.state, d.outcome,
	d.assignee_id, d.reviewer_id, d.route, d.next_deadline, d.flags, d.version, d.updated_at,
	d.requester_check, d.callback_number, d.callback_by, d.callback_at,
	d.subject_location, d.subject_us_person, d.data_locations_sought, d.notice_permitted`

func scanDemand(row interface{ Scan(...any) error }) (writ.Demand, error) {
	var d writ.Demand
	var offence sql.NullFloat64
	var inState sql.NullBool
	var categories, accounts, rangeFrom, rangeTo, ndoBasis, ndoUntil, emergencyJustification, state, flags string
	var outcome sql.NullString
	var due, next sql.NullTime
	var ndo, emergency, callback bool
	var assignee, reviewer sql.NullInt64
	var callbackNumber, callbackBy string
	var callbackAt sql.NullTime
	var subjectUSPerson sql.NullBool
	var sought string
	err := row.Scan(&d.ID, &d.GroupID, &d.Reference, &d.AgencyID, &d.CustomerID, &d.Channel, &d.ReceivedAt, &d.Requester, &d.RequesterVerified,
		&d.Instrument, &d.Citation, &d.IssuedBy, &d.ValidatedBy, &offence, &d.OffenceListed, &inState,
		&d.SubjectResidence, &categories, &accounts, &rangeFrom, &rangeTo, &due, &ndo, &ndoBasis, &ndoUntil,
		&emergency, &emergencyJustification, &callback, &d.CustomerFirstException, &state, &outcome,
		&assignee, &reviewer, &d.Route, &next, &flags, &d.Version, &d.UpdatedAt,
		&d.RequesterCheck, &callbackNumber, &callbackBy, &callbackAt,
		&d.SubjectLocation, &subjectUSPerson, &sought, &d.NoticePermitted)
	if err != nil {
		return d, err
	}
	if offence.Valid {
		d.OffenceMaxYears = &offence.Float64
	}
	d.OffenceInIssuingState = boolPtr(inState)
	d.ReceivedAt, d.UpdatedAt = d.ReceivedAt.UTC(), d.UpdatedAt.UTC()
	d.Due, d.NextDeadline = timePtr(due), timePtr(next)
	d.State, d.Outcome = writ.State(state), outcome.String
	d.AssigneeID, d.ReviewerID = int64Ptr(assignee), int64Ptr(reviewer)
	if rangeFrom != "" || rangeTo != "" {
		d.DateRange = &writ.DateRange{From: rangeFrom, To: rangeTo}
	}
	if ndo {
		d.Nondisclosure = &writ.Nondisclosure{Basis: ndoBasis, Until: ndoUntil}
	}
	if emergency {
		d.Emergency = &writ.Emergency{Justification: emergencyJustification, VerifiedByCallback: callback}
	}
	if callbackAt.Valid {
		d.Callback = &writ.Callback{Number: callbackNumber, By: callbackBy, At: callbackAt.Time.UTC()}
	}
	if d.DataCategories, err = fromJSONText[string](categories); err != nil {
		return d, err
	}
	if d.Accounts, err = fromJSONText[string](accounts); err != nil {
		return d, err
	}
	if d.DataLocationsSought, err = fromJSONText[string](sought); err != nil {
		return d, err
	}
	d.SubjectUSPerson = boolPtr(subjectUSPerson)
	d.Flags, err = fromJSONText[string](flags)
	d.Linked = []int64{}
	return d, err
}

// demandScope confines demand queries to what the actor may see: the legal
// team and auditors everything, an agency its own demands, a customer its
// own tenant's demands once it has been (or is due to be) told of them —
// never a demand it is gagged from knowing about.
func demandScope(actor writ.Actor) (string, []any) {
	switch {
	case actor.Role.SeesAll():
		return "TRUE", nil
	case actor.Role == writ.RoleAgency && actor.AgencyID != 0:
		return "d.agency_id = ?", []any{actor.AgencyID}
	case actor.Role == writ.RoleCustomer && actor.CustomerID != 0:
		return "d.customer_id = ? AND d.customer_visible = TRUE", []any{actor.CustomerID}
	}
	return "FALSE", nil
}

// Demand returns one demand the actor may see, or ENOTFOUND — also for a
// demand that exists but is not the actor's, so that its existence does
// not leak.
func (s *Store) Demand(ctx context.Context, actor writ.Actor, id int64) (writ.Demand, error) {
	return s.demand(ctx, s.read, actor, id, "")
}

func (s *Store) demand(ctx context.Context, db querier, actor writ.Actor, id int64, lock string) (writ.Demand, error) {
	where, args := demandScope(actor)
	d, err := scanDemand(db.QueryRowContext(ctx, s.q(`SELECT `+demandColumns+` FROM demands d WHERE d.id = ? AND `+where+lock), append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return d, notFound("demand", id)
	}
	if err != nil {
		return d, unavailableOr(err, "store: demand")
	}
	redact(actor, &d)
	rows, err := db.QueryContext(ctx, s.q(`SELECT d.id FROM demands d WHERE d.group_id = ? AND d.id <> ? AND `+where+` ORDER BY d.id`), append([]any{d.GroupID, d.ID}, args...)...)
	if err != nil {
		return d, fmt.Errorf("store: demand: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var linked int64
		if err := rows.Scan(&linked); err != nil {
			return d, fmt.Errorf("store: demand: %w", err)
		}
		d.Linked = append(d.Linked, linked)
	}
	return d, rows.Err()
}

// Demands lists the demands the actor may see that match f. Sorted by id,
// newest first, or with Sort "deadline" by next deadline, soonest first,
// those without a deadline last.
func (s *Store) Demands(ctx context.Context, actor writ.Actor, f writ.DemandFilter) (writ.Page[writ.Demand], error) {
	empty := writ.Page[writ.Demand]{Items: []writ.Demand{}}
	where, args := demandScope(actor)
	conds := []string{where}
	if f.State != "" {
		if !f.State.Valid() {
			return empty, writ.FieldErrorf("state", "unknown state %q", f.State)
		}
		conds, args = append(conds, "d.state = ?"), append(args, string(f.State))
	}
	if f.AgencyID != 0 {
		conds, args = append(conds, "d.agency_id = ?"), append(args, f.AgencyID)
	}
	if f.CustomerID != 0 {
		conds, args = append(conds, "d.customer_id = ?"), append(args, f.CustomerID)
	}
	if f.Country != "" {
		conds, args = append(conds, "d.authority_country = ?"), append(args, f.Country)
	}
	if f.Instrument != "" {
		conds, args = append(conds, "d.instrument = ?"), append(args, f.Instrument)
	}
	if f.Flag != "" {
		// Flags are a JSON list of upper-case codes: a quoted match is exact.
		conds, args = append(conds, "d.flags LIKE ?"), append(args, `%"`+strings.ReplaceAll(f.Flag, `"`, ``)+`"%`)
	}
	if f.DeadlineBefore != nil {
		conds, args = append(conds, "d.next_deadline < ?"), append(args, f.DeadlineBefore.UTC())
	}
	if f.Text != "" {
		like := "%" + strings.ToLower(f.Text) + "%"
		conds = append(conds, "(lower(d.reference) LIKE ? OR d.id IN (SELECT demand_id FROM demand_accounts WHERE lower(account) LIKE ?))")
		args = append(args, like, like)
	}
	n := limit(f.Limit)
	var page writ.Page[writ.Demand]
	var err error
	switch f.Sort {
	case "", "id":
		page, err = s.demandsByID(ctx, conds, args, f.Cursor, n)
	case "deadline":
		page, err = s.demandsByDeadline(ctx, conds, args, f.Cursor, n)
	default:
		return empty, writ.FieldErrorf("sort", "unknown sort %q (id or deadline)", f.Sort)
	}
	for i := range page.Items {
		redact(actor, &page.Items[i])
	}
	return page, err
}

// redact removes from a demand what only the legal team may know: its
// internal route, flags and people, and — for the customer — who at the
// agency asked and any exception claimed against the customer itself
// (customer_complicit, say).
func redact(actor writ.Actor, d *writ.Demand) {
	if actor.Role.SeesAll() {
		return
	}
	d.Route, d.Flags, d.AssigneeID, d.ReviewerID, d.NextDeadline = "", []string{}, nil, nil, nil
	if actor.Role == writ.RoleCustomer {
		d.Requester, d.RequesterVerified, d.RequesterCheck, d.CustomerFirstException, d.Callback = "", false, "", "", nil
	}
}

func (s *Store) demandsByID(ctx context.Context, conds []string, args []any, cursor string, n int) (writ.Page[writ.Demand], error) {
	if cursor != "" {
		before, err := idCursor(cursor)
		if err != nil {
			return writ.Page[writ.Demand]{Items: []writ.Demand{}}, err
		}
		conds, args = append(conds, "d.id < ?"), append(args, before)
	}
	return s.queryDemands(ctx, `WHERE `+strings.Join(conds, " AND ")+` ORDER BY d.id DESC`, args, n,
		func(d writ.Demand) string { return idCursorOf(d.ID) })
}

// demandsByDeadline pages through the demands with a deadline, soonest
// first, and then those without one. The cursor says which of the two
// phases the next page starts in.
func (s *Store) demandsByDeadline(ctx context.Context, conds []string, args []any, cursor string, n int) (writ.Page[writ.Demand], error) {
	bad := writ.FieldErrorf("cursor", "not a cursor this server issued")
	phase, afterID, afterDue := "d", int64(0), time.Time{}
	if cursor != "" {
		parts, err := decodeCursor(cursor)
		if err != nil {
			return writ.Page[writ.Demand]{Items: []writ.Demand{}}, err
		}
		switch {
		case len(parts) == 3 && parts[0] == "d":
			micros, err1 := strconv.ParseInt(parts[1], 10, 64)
			id, err2 := strconv.ParseInt(parts[2], 10, 64)
			if err1 != nil || err2 != nil {
				return writ.Page[writ.Demand]{Items: []writ.Demand{}}, bad
			}
			afterDue, afterID = time.UnixMicro(micros).UTC(), id
		case len(parts) == 2 && parts[0] == "n":
			id, err := strconv.ParseInt(parts[1], 10, 64)
			if err != nil {
				return writ.Page[writ.Demand]{Items: []writ.Demand{}}, bad
			}
			phase, afterID = "n", id
		default:
			return writ.Page[writ.Demand]{Items: []writ.Demand{}}, bad
		}
	}
	byDeadline := func(d writ.Demand) string {
		if d.NextDeadline == nil {
			return encodeCursor("n", strconv.FormatInt(d.ID, 10))
		}
		return encodeCursor("d", strconv.FormatInt(d.NextDeadline.UnixMicro(), 10), strconv.FormatInt(d.ID, 10))
	}
	page := writ.Page[writ.Demand]{Items: []writ.Demand{}}
	if phase == "d" {
		c, a := slices.Clone(conds), slices.Clone(args)
		c = append(c, "d.next_deadline IS NOT NULL")
		if cursor != "" {
			c = append(c, "(d.next_deadline > ? OR (d.next_deadline = ? AND d.id > ?))")
			a = append(a, afterDue, afterDue, afterID)
		}
		var err error
		page, err = s.queryDemands(ctx, `WHERE `+strings.Join(c, " AND ")+` ORDER BY d.next_deadline, d.id`, a, n, byDeadline)
		if err != nil || page.NextCursor != "" {
			return page, err
		}
		afterID = 0
	}
	rest := n - len(page.Items)
	if rest == 0 {
		// The page is full and the phase with deadlines may be exhausted:
		// continue with the demands without one.
		page.NextCursor = encodeCursor("n", "0")
		return page, nil
	}
	c := append(slices.Clone(conds), "d.next_deadline IS NULL", "d.id > ?")
	more, err := s.queryDemands(ctx, `WHERE `+strings.Join(c, " AND ")+` ORDER BY d.id`, append(slices.Clone(args), afterID), rest, byDeadline)
	if err != nil {
		return page, err
	}
	page.Items = append(page.Items, more.Items...)
	page.NextCursor = more.NextCursor
	return page, nil
}

func (s *Store) queryDemands(ctx context.Context, tail string, args []any, n int, cursorOf func(writ.Demand) string) (writ.Page[writ.Demand], error) {
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT `+demandColumns+` FROM demands d `+tail+` LIMIT ?`), append(args, n+1)...)
	if err != nil {
		return writ.Page[writ.Demand]{Items: []writ.Demand{}}, unavailableOr(err, "store: demands")
	}
	return collectPage(rows, n, func(r *sql.Rows) (writ.Demand, error) { return scanDemand(r) }, cursorOf)
}
