package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"writ"
)

// ImportedDemand is a demand whose life so far happened elsewhere — in the
// system writ replaces, or in a generated data set — brought in whole by
// ImportDemands. It names the accounts of one customer: a request that
// named several customers' accounts comes as one ImportedDemand per
// customer, the later parts marked SameRequest.
type ImportedDemand struct {
	// Input is the demand as it was received; Input.ReceivedAt is required.
	Input writ.DemandInput
	// RecordedBy is the user who took the demand in; the zero Actor when
	// no writ user did.
	RecordedBy writ.Actor
	// RequesterVerified is the legal team's finding that the requester
	// speaks for the agency.
	RequesterVerified bool
	// SameRequest makes the demand a part of the same request as the
	// demand before it in the batch, linked to it as intake links the
	// parts of a request it splits.
	SameRequest bool
	// Callback is the call to the agency's registered number that
	// confirmed the demand's emergency, when one did.
	Callback *writ.Callback
	// History is what happened to the demand after it was received,
	// oldest first; empty for a demand still in state received.
	History []ImportedStep
}

// ImportedStep is one step in an imported demand's history: who made it,
// when, and what they asked for, as they would have asked Store.Transition
// — or, when Delivery is set, the delivery of the notice they recorded as
// Store.RecordDelivery would (delivered at the step's time).
type ImportedStep struct {
	Actor      writ.Actor
	At         time.Time
	Transition writ.TransitionInput
	Delivery   *writ.DeliveryInput
}

// ImportDemands writes a batch of demands as they stand after their
// histories, in one transaction, and returns their ids in order. It is the
// bulk path for migrations and large demo data sets. The records are the
// ones intake and the demand's transitions would have left: the stored
// assessment is the rulebook's for the demand as it stands, as reassess
// computes it; every step of a history must be a move Store.Transition
// would have allowed at its time (writ.CheckTransition decides, with the
// step's time as the clock); decisions, challenges, disclosures and
// notices follow from the steps. Each demand gets one "demand.imported"
// event with its history. What differs is the cost: a batch takes a few
// multi-row statements per table instead of dozens of statements per
// demand. And an import sends nothing: no notice, letter, notification or
// reminder is queued for an imported demand, since what its history says
// was sent was sent by the system it came from.
//
// Admins only (EFORBIDDEN). An EINVALID or ECONFLICT error names the demand
// by its index in the batch (Field "demands[3].history[2]"); nothing of the
// batch is written then.
func (s *Store) ImportDemands(ctx context.Context, actor writ.Actor, demands []ImportedDemand) ([]int64, error) {
	if actor.Role != writ.RoleAdmin {
		return nil, writ.Errorf(writ.EFORBIDDEN, "only an admin may import demands")
	}
	if len(demands) == 0 {
		return []int64{}, nil
	}
	if !s.postgres {
		restore, err := s.largerPageCache(ctx)
		if err != nil {
			return nil, err
		}
		defer restore()
	}
	var ids []int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		reg, err := s.importRegistry(ctx, tx, demands)
		if err != nil {
			return err
		}
		if ids, err = s.reserveDemandIDs(ctx, tx, len(demands)); err != nil {
			return err
		}
		b := s.newImportBatch(len(demands))
		for i := range demands {
			if err := b.add(reg, ids[i], i, &demands[i]); err != nil {
				return err
			}
		}
		return b.write(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// largerPageCache gives SQLite's writer connection room for a whole batch
// in its page cache until restore is called. With the default 2 MB, a
// batch's dirty pages spill to the log again and again while it is
// written; with room for them all, each is written once, at commit — a
// fifth less time for a large import.
func (s *Store) largerPageCache(ctx context.Context) (restore func(), err error) {
	var old int64
	if err := s.write.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&old); err != nil {
		return nil, fmt.Errorf("store: import: %w", err)
	}
	if _, err := s.write.ExecContext(ctx, `PRAGMA cache_size = -65536`); err != nil {
		return nil, fmt.Errorf("store: import: %w", err)
	}
	return func() { s.write.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA cache_size = %d`, old)) }, nil
}

// importRegistry is the part of the registry a batch refers to, read once
// for the whole batch.
type importRegistry struct {
	agencies  map[int64]writ.Agency
	customers map[int64]writ.Customer
	accounts  map[string]int64 // account identifier → customer
}

func (s *Store) importRegistry(ctx context.Context, tx *sql.Tx, demands []ImportedDemand) (*importRegistry, error) {
	reg := &importRegistry{agencies: map[int64]writ.Agency{}, customers: map[int64]writ.Customer{}, accounts: map[string]int64{}}
	var agencyIDs, accounts []any
	seenAgency, seenAccount := map[int64]bool{}, map[string]bool{}
	for _, d := range demands {
		if !seenAgency[d.Input.AgencyID] {
			seenAgency[d.Input.AgencyID] = true
			agencyIDs = append(agencyIDs, d.Input.AgencyID)
		}
		for _, a := range d.Input.Accounts {
			a = strings.TrimSpace(a)
			if !seenAccount[a] {
				seenAccount[a] = true
				accounts = append(accounts, a)
			}
		}
	}
	err := s.queryIn(ctx, tx, `SELECT `+agencyColumns+` FROM agencies WHERE id IN `, agencyIDs, func(rows *sql.Rows) error {
		a, err := scanAgency(rows)
		reg.agencies[a.ID] = a
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: import: agencies: %w", err)
	}
	var customerIDs []any
	err = s.queryIn(ctx, tx, `SELECT identifier, customer_id FROM accounts WHERE identifier IN `, accounts, func(rows *sql.Rows) error {
		var a string
		var c int64
		if err := rows.Scan(&a, &c); err != nil {
			return err
		}
		if _, ok := reg.customers[c]; !ok {
			reg.customers[c] = writ.Customer{}
			customerIDs = append(customerIDs, c)
		}
		reg.accounts[a] = c
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: import: accounts: %w", err)
	}
	err = s.queryIn(ctx, tx, `SELECT `+customerColumns+` FROM customers WHERE id IN `, customerIDs, func(rows *sql.Rows) error {
		c, err := scanCustomer(rows)
		c.DataLocations, c.Accounts = []writ.DataLocation{}, []string{}
		reg.customers[c.ID] = c
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: import: customers: %w", err)
	}
	// CaseOf needs each customer's data locations, in their order; the
	// customer's own account list plays no part in an assessment.
	err = s.queryIn(ctx, tx, `SELECT customer_id, region, country FROM data_locations WHERE customer_id IN `, customerIDs, func(rows *sql.Rows) error {
		var id int64
		var l writ.DataLocation
		if err := rows.Scan(&id, &l.Region, &l.Country); err != nil {
			return err
		}
		c := reg.customers[id]
		c.DataLocations = append(c.DataLocations, l)
		reg.customers[id] = c
		return nil
	}, ` ORDER BY customer_id, position`)
	if err != nil {
		return nil, fmt.Errorf("store: import: data locations: %w", err)
	}
	return reg, nil
}

// queryIn runs head followed by "($1, $2, …)" for the values, a few hundred
// at a time, and calls each for every row.
func (s *Store) queryIn(ctx context.Context, tx querier, head string, values []any, each func(*sql.Rows) error, tail ...string) error {
	for start := 0; start < len(values); start += 500 {
		part := values[start:min(start+500, len(values))]
		query := head + "(" + ordinals(1, len(part)) + ")" + strings.Join(tail, "")
		rows, err := tx.QueryContext(ctx, query, part...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := each(rows); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// reserveDemandIDs takes n demand ids for the batch, so that its rows can
// refer to their demand without reading ids back. PostgreSQL hands them
// out from the column's sequence, which servers taking in demands at the
// same time share; on SQLite the batch holds the only write lock, and the
// ids follow the largest one, as SQLite itself would number them.
func (s *Store) reserveDemandIDs(ctx context.Context, tx *sql.Tx, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	if !s.postgres {
		var top int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM demands`).Scan(&top); err != nil {
			return nil, fmt.Errorf("store: import: ids: %w", err)
		}
		for i := range n {
			ids = append(ids, top+1+int64(i))
		}
		return ids, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence('demands', 'id')) FROM generate_series(1, $1)`, n)
	if err != nil {
		return nil, fmt.Errorf("store: import: ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: import: ids: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: import: ids: %w", err)
	}
	slices.Sort(ids)
	return ids, nil
}

// importBatch collects the rows of a batch, table by table.
type importBatch struct {
	s      *Store
	now    time.Time
	groups []int64 // group id of each demand added so far

	demands, accounts, assessments, deadlines, notices, deliveries, callbacks, decisions, challenges, disclosures *tableRows
	events                                                                                                        []pendingEvent
	actor                                                                                                         writ.Actor
}

// demandImportColumns are the columns of a demand row as the import writes
// it: intake's, plus what the demand's history has set since.
var demandImportColumns = []string{"id", "group_id", "reference", "agency_id", "customer_id", "submitted_by", "channel", "received_at",
	"requester", "requester_verified", "instrument", "citation", "issued_by", "validated_by", "offence_max_years", "offence_listed",
	"offence_in_issuing_state", "subject_residence", "data_categories", "accounts", "range_from", "range_to", "due", "ndo", "ndo_basis", "ndo_until",
	"emergency", "emergency_justification", "emergency_callback", "customer_first_exception", "state", "outcome", "reviewer_id",
	"customer_visible_from", "route", "next_deadline", "next_deadline_code", "urgent", "response_target", "flags", "authority_country",
	"version", "updated_at", "callback_number", "callback_by", "callback_at",
	"subject_location", "subject_us_person", "data_locations_sought", "notice_permitted", "language"}

func (s *Store) newImportBatch(n int) *importBatch {
	return &importBatch{
		s: s, now: s.nowUTC(), groups: make([]int64, 0, n),
		demands:     newTableRows("demands", demandImportColumns, n),
		accounts:    newTableRows("demand_accounts", []string{"demand_id", "account"}, n),
		assessments: newTableRows("assessments", []string{"demand_id", "rulebook", "body", "computed_at"}, n),
		deadlines:   newTableRows("deadlines", []string{"demand_id", "code", "due", "status"}, 2*n),
		notices:     newTableRows("notices", []string{"demand_id", "timing", "state", "send_at", "until", "reason", "updated_at", "sent_at", "given_at", "given_via"}, n),
		deliveries: newTableRows("notice_deliveries", []string{"demand_id", "channel", "recipient", "state", "attempts", "sent_at", "updated_at",
			"method", "evidence", "document_sha256", "recorded_by"}, 0),
		callbacks:   newTableRows("callbacks", []string{"demand_id", "number", "outcome", "by_user", "by_name", "at"}, 0),
		decisions:   newTableRows("decisions", []string{"demand_id", "kind", "categories", "rationale", "decided_by", "approved_by", "at"}, n),
		challenges:  newTableRows("challenges", []string{"demand_id", "grounds", "forum", "filed_at", "deadline", "outcome"}, 0),
		disclosures: newTableRows("disclosures", []string{"demand_id", "categories", "accounts", "records", "package_sha256", "disclosed_by", "at"}, 0),
		events:      make([]pendingEvent, 0, n),
		actor:       writ.System(),
	}
}

// add checks the i-th demand of the batch and collects its rows.
//
// Long because: it checks an imported demand field by field, in the order of
// writ.ImportedDemand, and collects its rows as it goes.
func (b *importBatch) add(reg *importRegistry, id int64, i int, dm *ImportedDemand) error {
	s := b.s
	in := dm.Input
	in.Accounts = slices.Clone(in.Accounts)
	if err := s.validateDemandInput(&in); err != nil {
		return importError(i, -1, err)
	}
	if in.ReceivedAt == nil {
		return importError(i, -1, writ.FieldErrorf("received_at", "an imported demand needs the time it was received"))
	}
	received := in.ReceivedAt.UTC().Truncate(time.Microsecond)
	ag, ok := reg.agencies[in.AgencyID]
	if !ok {
		return importError(i, -1, writ.FieldErrorf("agency_id", "no agency %d", in.AgencyID))
	}
	// One customer's accounts, with any the provider does not hold, or
	// only such accounts (customer 0), as intake splits a request.
	var customer int64
	var accounts []string
	for j, a := range in.Accounts {
		c := reg.accounts[a]
		if c != 0 && customer != 0 && c != customer {
			return importError(i, -1, writ.FieldErrorf(fmt.Sprintf("accounts[%d]", j), "%q belongs to another customer than the accounts before it: import one demand per customer", a))
		}
		if c != 0 {
			customer = c
		}
		if !slices.Contains(accounts, a) {
			accounts = append(accounts, a)
		}
	}
	group := id
	if dm.SameRequest {
		if i == 0 {
			return importError(i, -1, writ.FieldErrorf("same_request", "the first demand of a batch has no demand before it"))
		}
		group = b.groups[i-1]
	}
	b.groups = append(b.groups, group)
	requester := in.Requester
	if dm.RecordedBy.Role == writ.RoleAgency && requester == "" {
		requester = dm.RecordedBy.Name
	}
	d := writ.Demand{
		ID: id, GroupID: group, Reference: in.Reference, AgencyID: in.AgencyID, CustomerID: customer, Channel: in.Channel, ReceivedAt: received,
		Requester: requester, RequesterVerified: dm.RequesterVerified, Instrument: in.Instrument, Citation: in.Citation,
		IssuedBy: in.IssuedBy, ValidatedBy: in.ValidatedBy, OffenceMaxYears: in.OffenceMaxYears, OffenceListed: in.OffenceListed,
		OffenceInIssuingState: in.OffenceInIssuingState, SubjectResidence: in.SubjectResidence,
		SubjectLocation: in.SubjectLocation, SubjectUSPerson: in.SubjectUSPerson, DataLocationsSought: in.DataLocationsSought,
		NoticePermitted: in.NoticePermitted, Language: in.Language,
		DataCategories: in.DataCategories, Accounts: accounts, DateRange: in.DateRange, Due: in.Due,
		Nondisclosure: in.Nondisclosure, Emergency: in.Emergency, CustomerFirstException: in.CustomerFirstException,
		State: writ.StateReceived, Version: 1,
	}
	if d.DataCategories == nil {
		d.DataCategories = []string{}
	}
	if d.Emergency != nil {
		target := received.Add(s.emergencyResponse)
		d.Emergency, d.ResponseTarget = &writ.Emergency{Justification: d.Emergency.Justification}, &target
	}
	if c := dm.Callback; c != nil {
		// The call that confirmed the emergency, as RecordCallback takes it.
		switch {
		case d.Emergency == nil:
			return importError(i, -1, writ.FieldErrorf("callback", "the demand claims no emergency"))
		case ag.Phone == "" || digits(c.Number) != digits(ag.Phone):
			return importError(i, -1, writ.FieldErrorf("callback.number", "%s is not the agency's registered number", c.Number))
		case c.At.Before(received) || c.At.After(b.now):
			return importError(i, -1, writ.FieldErrorf("callback.at", "a call-back happens after the demand was received and not in the future"))
		}
		at := c.At.UTC().Truncate(time.Microsecond)
		d.Emergency.VerifiedByCallback = true
		d.Callback = &writ.Callback{Number: ag.Phone, Outcome: writ.CallbackConfirmed, By: c.By, At: at}
		b.callbacks.add(id, ag.Phone, writ.CallbackConfirmed, nil, c.By, at)
	}

	// The assessment, deadlines, route, flags and notice, as reassess
	// computes them for the demand as it stands.
	a, err := s.assessor.Assess(&d, ag, reg.customers[customer])
	if err != nil {
		return importError(i, -1, err)
	}
	body, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("store: import: assess: %w", err)
	}
	b.assessments.add(id, s.rules.Version(), string(body), b.now)
	d.Route, d.Flags = a.Route, slices.Clone(a.Flags)
	n := noticeOf(&d, a)
	visible := n.visibleFrom(received)

	// The history, move by move, as Transition and applyTransition make it.
	l := life{d: &d, a: a, agencyVerified: ag.Verified, last: received, notice: &n, updated: received}
	for j, step := range dm.History {
		if err := l.move(b, step); err != nil {
			return importError(i, j, err)
		}
	}
	// The deadlines as the demand now owes them, as refreshDeadlines has
	// them.
	dls := s.demandDeadlines(&d, a)
	status := make([]string, len(dls))
	facts := deadlineFacts{state: d.State, outcome: d.Outcome, challenged: len(l.challenges) > 0, noticeSettled: n.givenAt != nil}
	for k, dl := range dls {
		status[k] = deadlineStatus(dl.Code, facts)
		b.deadlines.add(id, dl.Code, dl.Due.UTC(), status[k])
	}
	next, nextCode, urgent := nextDeadline(dls, status)
	d.NextDeadline, d.NextDeadlineCode = next, nextCode
	if visible == nil {
		visible = n.visibleFrom(received)
	}
	if n.givenAt != nil && (visible == nil || n.givenAt.Before(*visible)) {
		visible = n.givenAt
	}

	var rangeFrom, rangeTo, ndoBasis, ndoUntil, justification string
	if d.DateRange != nil {
		rangeFrom, rangeTo = d.DateRange.From, d.DateRange.To
	}
	if d.Nondisclosure != nil {
		ndoBasis, ndoUntil = d.Nondisclosure.Basis, d.Nondisclosure.Until
	}
	callback := false
	if d.Emergency != nil {
		justification, callback = d.Emergency.Justification, d.Emergency.VerifiedByCallback
	}
	var callbackNumber, callbackBy string
	var callbackAt any
	if c := d.Callback; c != nil {
		callbackNumber, callbackBy, callbackAt = c.Number, c.By, c.At
	}
	var submittedBy, outcome any
	if dm.RecordedBy.UserID != 0 {
		submittedBy = dm.RecordedBy.UserID
	}
	if d.Outcome != "" {
		outcome = d.Outcome
	}
	d.UpdatedAt = l.updated
	b.demands.add(id, group, d.Reference, d.AgencyID, nullIfZero(d.CustomerID), submittedBy, d.Channel, d.ReceivedAt,
		d.Requester, d.RequesterVerified, d.Instrument, d.Citation, d.IssuedBy, d.ValidatedBy, d.OffenceMaxYears, d.OffenceListed,
		nullBool(d.OffenceInIssuingState), d.SubjectResidence, jsonText(d.DataCategories), jsonText(d.Accounts), rangeFrom, rangeTo,
		nullTime(d.Due), d.Nondisclosure != nil, ndoBasis, ndoUntil, d.Emergency != nil, justification, callback,
		d.CustomerFirstException, string(d.State), outcome, nullInt64(d.ReviewerID),
		nullTime(visible), d.Route, nullTime(d.NextDeadline), d.NextDeadlineCode, urgent, nullTime(d.ResponseTarget), jsonText(d.Flags), ag.Country,
		d.Version, d.UpdatedAt, callbackNumber, callbackBy, callbackAt,
		d.SubjectLocation, nullBool(d.SubjectUSPerson), jsonText(d.DataLocationsSought), d.NoticePermitted, d.Language)
	for _, acct := range accounts {
		b.accounts.add(id, acct)
	}
	b.notices.add(id, a.Notice.Timing, n.state, nullTime(n.sendAt), n.until, n.reason, n.updated(received), nullTime(n.givenAt), nullTime(n.givenAt), n.givenVia)
	for _, c := range l.challenges {
		b.challenges.add(id, c.grounds, c.forum, c.filed, nullTime(c.deadline), c.outcome)
	}
	history := l.moves
	if history == nil {
		history = []importedMove{}
	}
	b.events = append(b.events, pendingEvent{actor: b.actor, demandID: &d.ID, kind: "demand.imported",
		data: importedEvent{Demand: d, History: history, Rulebook: s.rules.Version(), Route: a.Route}})
	return nil
}

// noticeRecord is a demand's notice row.
type noticeRecord struct {
	state, until, reason string
	sendAt               *time.Time
	// givenAt and givenVia say when and how the notice reached the
	// customer; nil and "" until then.
	givenAt  *time.Time
	givenVia string
}

// updated is when the notice last changed: when it was given, or else
// when it was scheduled, on receipt.
func (n noticeRecord) updated(received time.Time) time.Time {
	if n.givenAt != nil {
		return *n.givenAt
	}
	return received
}

// write inserts the batch's rows, demands first for the foreign keys, and
// appends its events to the log in one call.
func (b *importBatch) write(ctx context.Context, tx *sql.Tx) error {
	for _, t := range []*tableRows{b.demands, b.accounts, b.assessments, b.deadlines, b.notices, b.deliveries, b.callbacks, b.decisions, b.challenges, b.disclosures} {
		if err := b.s.insertTableRows(ctx, tx, t); err != nil {
			return fmt.Errorf("store: import: %s: %w", t.table, err)
		}
	}
	return b.s.appendEvents(ctx, tx, b.events)
}
