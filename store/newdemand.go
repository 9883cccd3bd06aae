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

// Writing a demand just taken in. A change to a stored demand reassesses it
// (reassess): it reads the demand's rows back, replaces its assessment,
// deadlines, notice and jobs, and updates the demand. A new demand has
// none of them yet, so intake assesses it before writing anything and
// writes each table once, with its final values: the demand with its
// route, flags, next deadline and visibility; its accounts, deadlines and
// deliveries each in one multi-row statement; its events in one; and
// every job it sets in motion in one insert. The rows are the same as an
// insert followed by reassess would leave (TestIntakeLeavesWhatReassessWould,
// on both databases), in about half the statements, which is what intake's
// speed is bound by: on PostgreSQL each is a round trip, on SQLite each is
// parsed again under the one write lock.

// newDemand is a demand about to be written, with what intake read for it.
type newDemand struct {
	d           *writ.Demand
	agency      writ.Agency
	group       any // the group's first demand, or nil for the first
	submittedBy any
	now         time.Time
}

// writeNewDemand assesses a demand just taken in and writes it, with its
// accounts, assessment, deadlines, notice, notifications of authorities,
// events and jobs; it sets d's id, group, route, flags and next deadline.
// The events it records are those reassess and intake would, in the same
// order: the notifications drafted, then the demand received.
func (s *Store) writeNewDemand(ctx context.Context, tx *sql.Tx, actor writ.Actor, nd newDemand) error {
	d := nd.d
	var c writ.Customer
	if d.CustomerID != 0 {
		var err error
		if c, err = scanCustomer(tx.QueryRowContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = $1`, d.CustomerID)); err != nil {
			return fmt.Errorf("store: assess: customer: %w", err)
		}
		if err := s.fillCustomer(ctx, tx, &c); err != nil {
			return err
		}
	}
	a, err := s.assessor.Assess(d, nd.agency, c)
	if err != nil {
		return err
	}
	d.Route, d.Flags = a.Route, slices.Clone(a.Flags)
	dls := s.demandDeadlines(d, a)
	status := make([]string, len(dls))
	for i, dl := range dls {
		status[i] = deadlineStatus(dl.Code, deadlineFacts{state: d.State})
	}
	next, code, urgent := nextDeadline(dls, status)
	d.NextDeadline, d.NextDeadlineCode = next, code
	n := noticeOf(d, a)
	if err := s.insertNewDemand(ctx, tx, nd, n.visibleFrom(nd.now), urgent); err != nil {
		return err
	}
	channels := noticeChannels(c, n)
	if err := s.writeAssessed(ctx, tx, d, a, dls, status, n, channels, nd.now); err != nil {
		return err
	}
	events, err := s.draftNewNotifications(ctx, tx, d, a, nd.now)
	if err != nil {
		return err
	}
	id := d.ID
	events = append(events, pendingEvent{actor: actor, demandID: &id, kind: "demand.received",
		data: map[string]any{"demand": *d, "rulebook": s.rules.Version(), "route": a.Route}})
	if err := s.appendEvents(ctx, tx, events); err != nil {
		return err
	}
	// What the database fills in, for the answer (not the event, which
	// records the demand as received).
	d.Version, d.UpdatedAt = 1, nd.now
	d.NoticeState = noticeState(n.state, n.until, "", n.sendAt, nil, false, nd.now)
	noticeAt := nd.now
	if n.sendAt != nil {
		noticeAt = n.sendAt.UTC()
	}
	// The notice's jobs, then the deadlines', as reassess arms them.
	if err := s.jobs.NewDemand(ctx, tx, d.ID, channels, noticeAt, s.reminders(d, a)); err != nil {
		return err
	}
	if d.Emergency != nil {
		// Announced to the legal team the moment it arrives.
		return s.jobs.EmergencyAlert(ctx, tx, d.ID, nd.now)
	}
	return nil
}

// insertNewDemand inserts the demand row with its final values, and its
// accounts; the first demand of a group is its own group, so its id is
// taken in the statement (as reserveDemandIDs does) and written to both.
func (s *Store) insertNewDemand(ctx context.Context, tx *sql.Tx, nd newDemand, visibleFrom *time.Time, urgent bool) error {
	d := nd.d
	var rangeFrom, rangeTo, ndoBasis, ndoUntil, justification string
	if d.DateRange != nil {
		rangeFrom, rangeTo = d.DateRange.From, d.DateRange.To
	}
	if d.Nondisclosure != nil {
		ndoBasis, ndoUntil = d.Nondisclosure.Basis, d.Nondisclosure.Until
	}
	if d.Emergency != nil {
		justification = d.Emergency.Justification
	}
	newID := `(SELECT COALESCE(MAX(id), 0) + 1 AS id FROM demands) n`
	if s.postgres {
		newID = `(SELECT nextval(pg_get_serial_sequence('demands', 'id')) AS id) n`
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO demands (id, group_id, reference, agency_id, customer_id, submitted_by, channel, received_at,
		requester, requester_verified, requester_check, instrument, citation, issued_by, validated_by, offence_max_years, offence_listed,
		offence_in_issuing_state, subject_residence, data_categories, accounts, range_from, range_to, due, ndo, ndo_basis, ndo_until,
		emergency, emergency_justification, customer_first_exception, state, authority_country, response_target, updated_at,
		subject_location, subject_us_person, data_locations_sought, notice_permitted,
		route, flags, next_deadline, next_deadline_code, urgent, customer_visible_from, language)
		SELECT n.id, COALESCE($1, n.id), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29,
		$30, $31, $32, $33, $34, $35, $36, $37, $38, $39, $40, $41, $42, $43, $44 FROM `+newID+` RETURNING id, group_id`,
		nd.group, d.Reference, d.AgencyID, nullIfZero(d.CustomerID), nd.submittedBy, d.Channel, d.ReceivedAt,
		d.Requester, d.RequesterVerified, d.RequesterCheck, d.Instrument, d.Citation, d.IssuedBy, d.ValidatedBy, d.OffenceMaxYears, d.OffenceListed,
		nullBool(d.OffenceInIssuingState), d.SubjectResidence, jsonText(d.DataCategories), jsonText(d.Accounts), rangeFrom, rangeTo,
		nullTime(d.Due), d.Nondisclosure != nil, ndoBasis, ndoUntil, d.Emergency != nil, justification,
		d.CustomerFirstException, string(d.State), nd.agency.Country, nullTime(d.ResponseTarget), nd.now,
		d.SubjectLocation, nullBool(d.SubjectUSPerson), jsonText(d.DataLocationsSought), d.NoticePermitted,
		d.Route, jsonText(d.Flags), nullTime(d.NextDeadline), d.NextDeadlineCode, urgent, nullTime(visibleFrom), d.Language).Scan(&d.ID, &d.GroupID)
	if err != nil {
		return fmt.Errorf("store: intake: %w", err)
	}
	accounts := newTableRows("demand_accounts", []string{"demand_id", "account"}, len(d.Accounts))
	for _, a := range d.Accounts {
		accounts.add(d.ID, a)
	}
	if err := s.insertTableRows(ctx, tx, accounts); err != nil {
		return fmt.Errorf("store: intake: %w", err)
	}
	return nil
}

// writeAssessed writes a new demand's assessment, its deadlines with their
// status, and its notice with a pending delivery on each of the customer's
// channels when the notice is scheduled.
func (s *Store) writeAssessed(ctx context.Context, tx *sql.Tx, d *writ.Demand, a rules.Assessment, dls []rules.Deadline, status []string, n noticeRecord,
	channels []string, now time.Time) error {
	body, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("store: assess: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO assessments (demand_id, rulebook, body, computed_at) VALUES ($1, $2, $3, $4)`, d.ID, s.rules.Version(), string(body), now); err != nil {
		return fmt.Errorf("store: assess: %w", err)
	}
	deadlines := newTableRows("deadlines", []string{"demand_id", "code", "due", "status"}, len(dls))
	for i, dl := range dls {
		deadlines.add(d.ID, dl.Code, dl.Due.UTC(), status[i])
	}
	if err := s.insertTableRows(ctx, tx, deadlines); err != nil {
		return fmt.Errorf("store: assess: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO notices (demand_id, timing, state, send_at, until, reason, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		d.ID, a.Notice.Timing, n.state, nullTime(n.sendAt), n.until, n.reason, now); err != nil {
		return fmt.Errorf("store: notice: %w", err)
	}
	deliveries := newTableRows("notice_deliveries", []string{"demand_id", "channel", "state", "updated_at"}, len(channels))
	for _, ch := range channels {
		deliveries.add(d.ID, ch, "pending", now)
	}
	if err := s.insertTableRows(ctx, tx, deliveries); err != nil {
		return fmt.Errorf("store: notice delivery: %w", err)
	}
	return nil
}

// noticeChannels are the channels a new demand's notice goes out on, to
// its customer c: by e-mail, and by webhook when the customer has one,
// once it is scheduled; none while it is held back.
func noticeChannels(c writ.Customer, n noticeRecord) []string {
	switch {
	case n.state != "scheduled":
		return nil
	case c.WebhookURL != "":
		return []string{"email", "webhook"}
	}
	return []string{"email"}
}

// draftNewNotifications drafts the notifications of authorities a new
// demand's assessment asks for, and returns their events. A demand just
// taken in is not verified yet, so none is queued to be sent.
func (s *Store) draftNewNotifications(ctx context.Context, tx *sql.Tx, d *writ.Demand, a rules.Assessment, now time.Time) ([]pendingEvent, error) {
	var events []pendingEvent
	id := d.ID
	drafted := map[string]bool{}
	for _, na := range a.NotifyAuthorities {
		dpa, ok := s.rules.DPA(na.Country)
		if !ok || na.Code != rules.NotifyDPA || drafted[na.Code+":"+na.Country] {
			continue
		}
		drafted[na.Code+":"+na.Country] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO authority_notifications (demand_id, code, country, name, email, address, state, drafted_at)
			VALUES ($1, $2, $3, $4, $5, $6, 'drafted', $7)`, d.ID, na.Code, na.Country, dpa.Name, dpa.Email, dpa.Address, now); err != nil {
			return nil, fmt.Errorf("store: authority notification: %w", err)
		}
		events = append(events, pendingEvent{actor: writ.System(), demandID: &id, kind: "authority.notification_drafted",
			data: map[string]any{"code": na.Code, "country": na.Country, "authority": dpa.Name, "email": dpa.Email}})
	}
	return events, nil
}

// writtenDemand is the first part of a demand just written as reading it
// back would return it to actor, for intake's answer without that read:
// lists are never nil, times are in UTC to the microsecond the databases
// keep, and it names the other parts of its group.
func writtenDemand(actor writ.Actor, parts []writ.Demand) writ.Demand {
	d := parts[0]
	orEmpty := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	d.DataCategories, d.Accounts, d.DataLocationsSought, d.Flags = orEmpty(d.DataCategories), orEmpty(d.Accounts), orEmpty(d.DataLocationsSought), orEmpty(d.Flags)
	inUTC := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		u := t.UTC().Truncate(time.Microsecond)
		return &u
	}
	d.Due, d.NextDeadline, d.ResponseTarget = inUTC(d.Due), inUTC(d.NextDeadline), inUTC(d.ResponseTarget)
	d.Linked = []int64{}
	for _, p := range parts[1:] {
		d.Linked = append(d.Linked, p.ID)
	}
	redact(actor, &d)
	return d
}
