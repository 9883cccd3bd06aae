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
	d.requester_check, d.callback_number, d.callback_by, d.callback_at, d.next_deadline_code, d.response_target,
	d.subject_location, d.subject_us_person, d.data_locations_sought, d.notice_permitted, d.language,
	COALESCE(n.state, ''), COALESCE(n.until, ''), COALESCE(n.released_until, ''), n.send_at, n.given_at, ` + deliveriesFailingSQL

// demandFrom is what demandColumns are read from: a demand and its notice.
const demandFrom = `demands d LEFT JOIN notices n ON n.demand_id = d.id`

func scanDemand(row interface{ Scan(...any) error }, now time.Time) (writ.Demand, error) {
	var d writ.Demand
	var customer sql.NullInt64
	var offence sql.NullFloat64
	var inState sql.NullBool
	var categories, accounts, rangeFrom, rangeTo, ndoBasis, ndoUntil, emergencyJustification, state, flags string
	var outcome sql.NullString
	var due, next, responseTarget sql.NullTime
	var ndo, emergency, callback bool
	var assignee, reviewer sql.NullInt64
	var callbackNumber, callbackBy string
	var callbackAt sql.NullTime
	var subjectUSPerson sql.NullBool
	var sought string
	var noticeStateOf, noticeUntil, releasedUntil string
	var sendAt, givenAt sql.NullTime
	var failing bool
	err := row.Scan(&d.ID, &d.GroupID, &d.Reference, &d.AgencyID, &customer, &d.Channel, &d.ReceivedAt, &d.Requester, &d.RequesterVerified,
		&d.Instrument, &d.Citation, &d.IssuedBy, &d.ValidatedBy, &offence, &d.OffenceListed, &inState,
		&d.SubjectResidence, &categories, &accounts, &rangeFrom, &rangeTo, &due, &ndo, &ndoBasis, &ndoUntil,
		&emergency, &emergencyJustification, &callback, &d.CustomerFirstException, &state, &outcome,
		&assignee, &reviewer, &d.Route, &next, &flags, &d.Version, &d.UpdatedAt,
		&d.RequesterCheck, &callbackNumber, &callbackBy, &callbackAt, &d.NextDeadlineCode, &responseTarget,
		&d.SubjectLocation, &subjectUSPerson, &sought, &d.NoticePermitted, &d.Language,
		&noticeStateOf, &noticeUntil, &releasedUntil, &sendAt, &givenAt, &failing)
	if err != nil {
		return d, err
	}
	d.CustomerID = customer.Int64
	if offence.Valid {
		d.OffenceMaxYears = &offence.Float64
	}
	d.OffenceInIssuingState = boolPtr(inState)
	d.ReceivedAt, d.UpdatedAt = d.ReceivedAt.UTC(), d.UpdatedAt.UTC()
	d.Due, d.NextDeadline, d.ResponseTarget = timePtr(due), timePtr(next), timePtr(responseTarget)
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
		d.Callback = &writ.Callback{Number: callbackNumber, Outcome: writ.CallbackConfirmed, By: callbackBy, At: callbackAt.Time.UTC()}
	}
	d.NoticeState = noticeState(noticeStateOf, noticeUntil, releasedUntil, timePtr(sendAt), timePtr(givenAt), failing, now)
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
// own tenant's demands from the moment its notice is due — never a demand
// it is gagged from knowing about, nor one whose notice is not due yet.
func (s *Store) demandScope(actor writ.Actor, p *params) string {
	switch {
	case actor.Role.SeesAll():
		return "TRUE"
	case actor.Role == writ.RoleAgency && actor.AgencyID != 0:
		return "d.agency_id = " + p.add(actor.AgencyID)
	case actor.Role == writ.RoleCustomer && actor.CustomerID != 0:
		return "d.customer_id = " + p.add(actor.CustomerID) + " AND d.customer_visible_from <= " + p.add(s.nowUTC())
	}
	return "FALSE"
}

// Demand returns one demand the actor may see, without what the actor may
// not know of it, or ENOTFOUND — also for a demand that exists but is not
// the actor's, so that its existence does not leak.
func (s *Store) Demand(ctx context.Context, actor writ.Actor, id int64) (writ.Demand, error) {
	d, err := s.demand(ctx, s.read, actor, id, "")
	redact(actor, &d)
	if err == nil && actor.Role == writ.RoleCustomer {
		err = s.ownAccounts(ctx, s.read, actor.CustomerID, &d)
	}
	return d, err
}

// ownAccounts leaves the demands with their customer's own accounts only:
// a customer's part of a demand may also name accounts the provider does
// not hold, which are not the customer's to see or to be told of.
func (s *Store) ownAccounts(ctx context.Context, db querier, customerID int64, ds ...*writ.Demand) error {
	var named []any
	for _, d := range ds {
		for _, a := range d.Accounts {
			named = append(named, a)
		}
	}
	held := map[string]bool{}
	err := s.queryIn(ctx, db, `SELECT identifier FROM accounts WHERE customer_id = `+strconv.FormatInt(customerID, 10)+` AND identifier IN `, named,
		func(rows *sql.Rows) error {
			var a string
			err := rows.Scan(&a)
			held[a] = true
			return err
		})
	if err != nil {
		return unavailableOr(err, "store: accounts")
	}
	for _, d := range ds {
		d.Accounts = slices.DeleteFunc(slices.Clone(d.Accounts), func(a string) bool { return !held[a] })
	}
	return nil
}

// demand reads one demand the actor may see, whole: the store's own
// methods change and reassess it, so nothing is left out (redact is for
// what leaves the store).
func (s *Store) demand(ctx context.Context, db querier, actor writ.Actor, id int64, lock string) (writ.Demand, error) {
	p := params{id}
	where := s.demandScope(actor, &p)
	if lock != "" && s.postgres {
		// The notice is on the outer join's nullable side, which
		// PostgreSQL does not lock; the demand's row is what serialises
		// changes to it.
		lock = " FOR UPDATE OF d"
	}
	d, err := scanDemand(db.QueryRowContext(ctx, `SELECT `+demandColumns+` FROM `+demandFrom+` WHERE d.id = $1 AND `+where+lock, p...), s.nowUTC())
	if errors.Is(err, sql.ErrNoRows) {
		return d, notFound("demand", id)
	}
	if err != nil {
		return d, unavailableOr(err, "store: demand")
	}
	linked := params{d.GroupID, d.ID}
	where = s.demandScope(actor, &linked)
	rows, err := db.QueryContext(ctx, `SELECT d.id FROM demands d WHERE d.group_id = $1 AND d.id <> $2 AND `+where+` ORDER BY d.id`, linked...)
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
// those without a deadline last; either way the emergencies whose answer
// is still owed come first.
func (s *Store) Demands(ctx context.Context, actor writ.Actor, f writ.DemandFilter) (writ.Page[writ.Demand], error) {
	empty := writ.Page[writ.Demand]{Items: []writ.Demand{}}
	var args params
	conds := []string{s.demandScope(actor, &args)}
	if f.State != "" {
		if !f.State.Valid() {
			return empty, writ.FieldErrorf("state", "unknown state %q", f.State)
		}
		conds = append(conds, "d.state = "+args.add(string(f.State)))
	}
	if f.AgencyID != 0 {
		conds = append(conds, "d.agency_id = "+args.add(f.AgencyID))
	}
	if f.CustomerID != 0 {
		conds = append(conds, "d.customer_id = "+args.add(f.CustomerID))
	}
	if f.Country != "" {
		conds = append(conds, "d.authority_country = "+args.add(f.Country))
	}
	if f.Instrument != "" {
		conds = append(conds, "d.instrument = "+args.add(f.Instrument))
	}
	if f.Flag != "" {
		// Flags are a JSON list of upper-case codes: a quoted match is exact.
		conds = append(conds, "d.flags LIKE "+args.add(`%"`+strings.ReplaceAll(f.Flag, `"`, ``)+`"%`))
	}
	if f.View != "" {
		if !actor.Role.SeesAll() {
			return empty, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors use the queue's views")
		}
		cond, err := viewCond(&args, actor, f.View, s.nowUTC())
		if err != nil {
			return empty, err
		}
		conds = append(conds, cond)
	}
	if f.Search != "" {
		cond, err := s.searchCond(ctx, &args, actor, f.Search)
		if err != nil {
			return empty, err
		}
		conds = append(conds, cond)
	}
	if f.DeadlineBefore != nil {
		conds = append(conds, "d.next_deadline < "+args.add(f.DeadlineBefore.UTC()))
	}
	if f.Text != "" {
		like := "%" + strings.ToLower(f.Text) + "%"
		mark := args.add(like)
		conds = append(conds, "(lower(d.reference) LIKE "+mark+" OR d.id IN (SELECT demand_id FROM demand_accounts WHERE lower(account) LIKE "+mark+"))")
	}
	var phases []phase
	switch f.Sort {
	case "", "id":
		phases = []phase{{name: "u", cond: "d.urgent", order: "d.id DESC", sqliteIndex: "demands_urgent"}, {name: "i", cond: "NOT d.urgent", order: "d.id DESC"}}
	case "newest":
		phases = []phase{{name: "a", cond: "1 = 1", order: "d.id DESC"}}
	case "deadline":
		phases = []phase{{name: "u", cond: "d.urgent", order: "d.next_deadline, d.id", byDeadline: true, sqliteIndex: "demands_urgent_deadline"},
			{name: "d", cond: "NOT d.urgent AND d.next_deadline IS NOT NULL", order: "d.next_deadline, d.id", byDeadline: true},
			{name: "n", cond: "NOT d.urgent AND d.next_deadline IS NULL", order: "d.id"}}
	default:
		return empty, writ.FieldErrorf("sort", "unknown sort %q (id, deadline or newest)", f.Sort)
	}
	page, err := s.demandsInPhases(ctx, conds, args, phases, f.Cursor, limit(f.Limit))
	for i := range page.Items {
		redact(actor, &page.Items[i])
	}
	if err == nil && actor.Role == writ.RoleCustomer {
		ds := make([]*writ.Demand, len(page.Items))
		for i := range page.Items {
			ds[i] = &page.Items[i]
		}
		err = s.ownAccounts(ctx, s.read, actor.CustomerID, ds...)
	}
	return page, err
}

// phase is one part of a list of demands in its order: the urgent
// emergencies, then the rest (with a deadline, then without, when sorted
// by deadline). A page may span phases; its cursor names the phase it
// ends in and the key of its last demand there.
type phase struct {
	name, cond, order string
	// byDeadline: the order is next deadline then id, ascending; else id,
	// descending unless the order says otherwise.
	byDeadline bool
	// sqliteIndex is the index SQLite reads the phase's demands from. The
	// urgent emergencies are few, and SQLite, which keeps no statistics,
	// would otherwise start from a filter's index (every demand in review,
	// say) and look at each for the few urgent ones.
	sqliteIndex string
}

// cursorOf is the cursor after demand d in the phase.
func (p phase) cursorOf(d writ.Demand) string {
	if p.byDeadline {
		return encodeCursor(p.name, strconv.FormatInt(d.NextDeadline.UnixMicro(), 10), strconv.FormatInt(d.ID, 10))
	}
	return encodeCursor(p.name, strconv.FormatInt(d.ID, 10))
}

// after is the condition that selects the demands of the phase after the
// cursor's key.
func (p phase) after(key []string, a *params) (string, error) {
	bad := writ.FieldErrorf("cursor", "not a cursor this server issued")
	if p.byDeadline {
		if len(key) != 2 {
			return "", bad
		}
		micros, err1 := strconv.ParseInt(key[0], 10, 64)
		id, err2 := strconv.ParseInt(key[1], 10, 64)
		if err1 != nil || err2 != nil {
			return "", bad
		}
		due := time.UnixMicro(micros).UTC()
		mark := a.add(due)
		return "(d.next_deadline > " + mark + " OR (d.next_deadline = " + mark + " AND d.id > " + a.add(id) + "))", nil
	}
	if len(key) != 1 {
		return "", bad
	}
	id, err := strconv.ParseInt(key[0], 10, 64)
	if err != nil {
		return "", bad
	}
	if strings.HasSuffix(p.order, "DESC") {
		return "d.id < " + a.add(id), nil
	}
	return "d.id > " + a.add(id), nil
}

// demandsInPhases reads one page of the demands matching conds, phase by
// phase from the cursor's.
func (s *Store) demandsInPhases(ctx context.Context, conds []string, args params, phases []phase, cursor string, n int) (writ.Page[writ.Demand], error) {
	page := writ.Page[writ.Demand]{Items: []writ.Demand{}}
	first, key := 0, []string(nil)
	if cursor != "" {
		parts, err := decodeCursor(cursor)
		if err != nil {
			return page, err
		}
		first = slices.IndexFunc(phases, func(p phase) bool { return p.name == parts[0] })
		if first < 0 {
			return page, writ.FieldErrorf("cursor", "not a cursor this server issued")
		}
		key = parts[1:]
	}
	for i := first; i < len(phases); i++ {
		p := phases[i]
		c, a := append(slices.Clone(conds), p.cond), slices.Clone(args)
		if i == first && len(key) > 0 {
			cond, err := p.after(key, &a)
			if err != nil {
				return page, err
			}
			c = append(c, cond)
		}
		from := demandFrom
		if p.sqliteIndex != "" && !s.postgres {
			from = `demands d INDEXED BY ` + p.sqliteIndex + ` LEFT JOIN notices n ON n.demand_id = d.id`
		}
		got, err := s.queryDemandsFrom(ctx, from, `WHERE `+strings.Join(c, " AND ")+` ORDER BY `+p.order, a, n-len(page.Items), p.cursorOf)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, got.Items...)
		if got.NextCursor != "" {
			page.NextCursor = got.NextCursor
			return page, nil
		}
		if len(page.Items) == n {
			// The page is full and this phase may be exhausted: the next
			// page starts with the next phase.
			if i+1 < len(phases) {
				page.NextCursor = encodeCursor(phases[i+1].name)
			}
			return page, nil
		}
	}
	return page, nil
}

// redact removes from a demand what only the legal team may know: its
// internal route, flags, deadlines, notice state and people; for an
// agency, which tenant (if any) holds the accounts, so that a demand is
// no oracle of the provider's customers; for the customer, who at the
// agency asked, any exception claimed against the customer itself
// (customer_complicit, say), and the ids of other tenants' parts of the
// same request.
func redact(actor writ.Actor, d *writ.Demand) {
	if actor.Role.SeesAll() {
		return
	}
	d.Route, d.Flags, d.AssigneeID, d.ReviewerID, d.NextDeadline = "", []string{}, nil, nil, nil
	d.NextDeadlineCode, d.NoticeState, d.ResponseTarget = "", "", nil
	switch actor.Role {
	case writ.RoleAgency:
		d.CustomerID = 0
	case writ.RoleCustomer:
		d.Requester, d.RequesterVerified, d.RequesterCheck, d.CustomerFirstException, d.Callback = "", false, "", "", nil
		d.GroupID = d.ID
	}
}

func (s *Store) queryDemands(ctx context.Context, tail string, args params, n int, cursorOf func(writ.Demand) string) (writ.Page[writ.Demand], error) {
	return s.queryDemandsFrom(ctx, demandFrom, tail, args, n, cursorOf)
}

// queryDemandsFrom is queryDemands reading from a join of its own (the
// demands d with their notices n).
func (s *Store) queryDemandsFrom(ctx context.Context, from, tail string, args params, n int, cursorOf func(writ.Demand) string) (writ.Page[writ.Demand], error) {
	a := slices.Clone(args)
	rows, err := s.read.QueryContext(ctx, `SELECT `+demandColumns+` FROM `+from+` `+tail+` LIMIT `+a.add(n+1), a...)
	if err != nil {
		return writ.Page[writ.Demand]{Items: []writ.Demand{}}, unavailableOr(err, "store: demands")
	}
	now := s.nowUTC()
	return collectPage(rows, n, func(r *sql.Rows) (writ.Demand, error) { return scanDemand(r, now) }, cursorOf)
}
