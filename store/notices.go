package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"writ"
	"writ/rules"
)

// scheduleNoticeJobs keeps the notice's jobs in step with the notice: due
// at its send time when scheduled, and not at all otherwise (prohibited,
// none, delayed by an order, the order's own secrecy or an emergency), on
// each channel the customer has. A notice held back is never sent by a
// job: a national-security prohibition needs a person, and a delayed
// notice goes once the legal team confirmed its order ended
// (scheduleNotice makes it scheduled then). An order that arrives before
// the notice went out cancels its jobs.
func (s *Store) scheduleNoticeJobs(ctx context.Context, tx *sql.Tx, d *writ.Demand, state string, sendAt *time.Time) error {
	var runAt *time.Time
	if state == "scheduled" {
		t := s.nowUTC()
		if sendAt != nil {
			t = sendAt.UTC()
		}
		runAt = &t
	}
	ch, err := s.channelsOf(ctx, tx, d.CustomerID)
	if err != nil {
		return err
	}
	now := s.nowUTC()
	for _, c := range []struct {
		channel string
		on      bool
	}{{"email", true}, {"webhook", ch.webhookURL != ""}} {
		if runAt == nil || !c.on {
			res, err := tx.ExecContext(ctx, `UPDATE notice_deliveries SET state = 'cancelled', updated_at = $1 WHERE demand_id = $2 AND channel = $3 AND state = 'pending'`,
				now, d.ID, c.channel)
			if err != nil {
				return fmt.Errorf("store: notice delivery: %w", err)
			}
			// A notice's job waits on a channel only while its delivery
			// there is pending: with none, there is no job to cancel.
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			if err := s.jobs.Notice(ctx, tx, d.ID, c.channel, nil); err != nil {
				return err
			}
			continue
		}
		if err := s.jobs.Notice(ctx, tx, d.ID, c.channel, runAt); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notice_deliveries (demand_id, channel, state, updated_at) VALUES ($1, $2, 'pending', $3)
			ON CONFLICT (demand_id, channel) DO UPDATE SET state = 'pending', updated_at = excluded.updated_at WHERE notice_deliveries.state = 'cancelled'`,
			d.ID, c.channel, now); err != nil {
			return fmt.Errorf("store: notice delivery: %w", err)
		}
	}
	return nil
}

// followAssessment brings what the assessment sets in motion up to date in
// the transaction that reassessed the demand: the reminders and
// escalations of its deadlines and the notifications of authorities.
func (s *Store) followAssessment(ctx context.Context, tx *sql.Tx, d *writ.Demand, a rules.Assessment) error {
	if err := s.scheduleDeadlineJobs(ctx, tx, d, a); err != nil {
		return err
	}
	return s.draftAuthorityNotifications(ctx, tx, d, a)
}

// afterTransition sets in motion what a move of the demand causes, in the
// transaction that makes it: the redirect letter once the legal team
// redirects; the notifications of authorities once the requester is
// verified (a regulator is not told of a forged demand); the notice after
// an emergency once the disclosure it justified is made; and no more
// reminders once the demand is closed.
func (s *Store) afterTransition(ctx context.Context, tx *sql.Tx, d writ.Demand, a rules.Assessment, to writ.State) error {
	from := d.State
	d.State = to
	now := s.nowUTC()
	switch to {
	case writ.StateRedirected:
		if err := s.jobs.RedirectLetter(ctx, tx, d.ID, now); err != nil {
			return err
		}
	case writ.StateInReview:
		if from == writ.StateVerifying {
			if err := s.draftAuthorityNotifications(ctx, tx, &d, a); err != nil {
				return err
			}
		}
	case writ.StateDisclosed, writ.StateClosed:
		if a.Notice.Timing == rules.NoticeAfterEmergency {
			if err := s.scheduleNotice(ctx, tx, &d, a); err != nil {
				return err
			}
		}
	}
	if to == writ.StateClosed {
		return s.scheduleDeadlineJobs(ctx, tx, &d, a)
	}
	return nil
}

// Notice returns the notice of a demand with its deliveries. The legal team
// and auditors only; ENOTFOUND for a demand the actor may not see.
func (s *Store) Notice(ctx context.Context, actor writ.Actor, demandID int64) (writ.Notice, error) {
	if _, err := s.Demand(ctx, actor, demandID); err != nil {
		return writ.Notice{}, err
	}
	if !actor.Role.SeesAll() {
		return writ.Notice{}, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors may read the notice record")
	}
	page, err := s.queryNotices(ctx, `n.demand_id = $1`, params{demandID}, 1)
	if err != nil {
		return writ.Notice{}, err
	}
	if len(page.Items) == 0 {
		return writ.Notice{}, notFound("notice of demand", demandID)
	}
	return page.Items[0], nil
}

// Notices lists notices for the legal team's dashboard, by demand id; with
// State "delayed" every notice held back with its end date and the
// warnings its order calls for. The legal team and auditors only.
func (s *Store) Notices(ctx context.Context, actor writ.Actor, f writ.NoticeFilter) (writ.Page[writ.Notice], error) {
	empty := writ.Page[writ.Notice]{Items: []writ.Notice{}}
	if !actor.Role.SeesAll() {
		return empty, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors may list notices")
	}
	after, err := idCursor(f.Cursor)
	if err != nil {
		return empty, err
	}
	var p params
	where := "n.demand_id > " + p.add(after)
	switch {
	case f.State == writ.NoticeReviewDue:
		where += " AND " + noticeReviewDueSQL(&p, s.nowUTC())
	case f.State == writ.NoticeUndeliverable:
		where += " AND " + noticeUndeliverableSQL(&p, s.nowUTC())
	case f.State != "":
		if !slices.Contains(writ.NoticeStates(), f.State) {
			return empty, writ.FieldErrorf("state", "unknown notice state %q (one of %s, %s, %s)", f.State, strings.Join(writ.NoticeStates(), ", "),
				writ.NoticeReviewDue, writ.NoticeUndeliverable)
		}
		where += " AND n.state = " + p.add(f.State)
	}
	return s.queryNotices(ctx, where, p, limit(f.Limit))
}

// The notices that need a person, in SQL over notices n, for the
// dashboard and the counts of the legal team's banner. noticeState says
// the same of one demand's notice in Go.

// deliveryOKSQL holds for a delivery nd that is done, or still on its way
// without a failure; the partial index notice_deliveries_failing holds
// the deliveries for which it does not.
const deliveryOKSQL = `(nd.state IN ('sent', 'delivered') OR (nd.state = 'pending' AND nd.last_error = ''))`

// deliveriesFailingSQL: the notice n has deliveries and none of them is
// delivered or still on its way without a failure. It is one count over
// the notice's deliveries, not two EXISTS: PostgreSQL would answer those
// for a list of fifty demands by reading every delivery into a hash
// table, planning for as many demands as the filter could match.
const deliveriesFailingSQL = `(SELECT count(*) > 0 AND count(*) = sum(CASE WHEN ` + deliveryOKSQL + ` THEN 0 ELSE 1 END)
		FROM notice_deliveries nd WHERE nd.demand_id = n.demand_id)`

// noticeReviewDueSQL: delayed by an order whose end has passed at now and
// which the legal team has not confirmed unextended ("> ”" rather than
// "<> ”", so that the index of notices by state and end starts past the
// notices delayed with no end).
func noticeReviewDueSQL(p *params, now time.Time) string {
	return `n.state = 'delayed' AND n.until > '' AND n.released_until <> n.until AND n.until <= ` + p.add(reviewCutoff(now))
}

// noticeUndeliverableSQL: due at now, not given, and no channel can
// deliver it: failed, or with deliveries none of which is done or on its
// way. The notices are found from the failed ones and the failing
// deliveries (a few, each in an index), never by visiting every notice
// still to be given: "|| ”" keeps SQLite, which has no statistics to
// tell it how many notices are scheduled, from starting at the index of
// notices by state.
func noticeUndeliverableSQL(p *params, now time.Time) string {
	return `n.given_at IS NULL AND n.state || '' IN ('scheduled', 'failed') AND n.send_at <= ` + p.add(now) + `
		AND n.demand_id IN (SELECT f.demand_id FROM notices f WHERE f.given_at IS NULL AND f.state = 'failed'
			UNION SELECT nd.demand_id FROM notice_deliveries nd WHERE NOT ` + deliveryOKSQL + `)
		AND (n.state = 'failed' OR NOT EXISTS (SELECT 1 FROM notice_deliveries nd WHERE nd.demand_id = n.demand_id AND ` + deliveryOKSQL + `))`
}

// reviewAt is when the end of an order whose last day is until may be
// confirmed: noon UTC the day after, once the day has ended in every US
// time zone (rulebook v2 §5). Never earlier, whatever an older rulebook
// put in its NOTICE deadline.
func reviewAt(until string) (time.Time, error) {
	day, err := time.Parse(time.DateOnly, until)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: order end %q: %w", until, err)
	}
	return day.Add(36 * time.Hour), nil
}

// reviewCutoff is the last order end whose review is due at now.
func reviewCutoff(now time.Time) string { return now.Add(-36 * time.Hour).Format(time.DateOnly) }

// noticeState is a notice's state as the legal team's queue shows it:
// NoticeReviewDue and NoticeUndeliverable when it needs a person, else its
// record's state ("none" when there is none).
func noticeState(state, until, releasedUntil string, sendAt, givenAt *time.Time, failing bool, now time.Time) string {
	switch {
	case state == "":
		return "none"
	case state == "delayed" && until != "" && releasedUntil != until && until <= reviewCutoff(now):
		return writ.NoticeReviewDue
	case givenAt == nil && (state == "scheduled" || state == "failed") && sendAt != nil && !now.Before(*sendAt) && (state == "failed" || failing):
		return writ.NoticeUndeliverable
	}
	return state
}

func (s *Store) queryNotices(ctx context.Context, where string, p params, n int) (writ.Page[writ.Notice], error) {
	rows, err := s.read.QueryContext(ctx, `SELECT n.demand_id, d.reference, d.customer_id, n.timing, n.state, n.send_at, n.until, n.reason,
		n.sent_at, n.acknowledged_at, n.given_at, n.given_via, n.released_until, n.last_error, n.updated_at, d.flags, d.ndo_basis, `+deliveriesFailingSQL+`
		FROM notices n JOIN demands d ON d.id = n.demand_id WHERE `+where+` ORDER BY n.demand_id LIMIT `+p.add(n+1), p...)
	if err != nil {
		return writ.Page[writ.Notice]{Items: []writ.Notice{}}, unavailableOr(err, "store: notices")
	}
	now := s.nowUTC()
	page, err := collectPage(rows, n, func(rows *sql.Rows) (writ.Notice, error) { return scanNotice(rows, now) },
		func(x writ.Notice) string { return idCursorOf(x.DemandID) })
	if err != nil {
		return page, err
	}
	for i := range page.Items {
		if page.Items[i].Deliveries, err = s.deliveries(ctx, s.read, page.Items[i].DemandID); err != nil {
			return page, err
		}
	}
	return page, nil
}

func scanNotice(rows *sql.Rows, now time.Time) (writ.Notice, error) {
	var x writ.Notice
	var sendAt, sentAt, ackAt, givenAt sql.NullTime
	var customer sql.NullInt64
	var flags, basis string
	var failing bool
	if err := rows.Scan(&x.DemandID, &x.Reference, &customer, &x.Timing, &x.State, &sendAt, &x.Until, &x.Reason,
		&sentAt, &ackAt, &givenAt, &x.GivenVia, &x.ReleasedUntil, &x.LastError, &x.UpdatedAt, &flags, &basis, &failing); err != nil {
		return x, err
	}
	x.CustomerID = customer.Int64
	x.SendAt, x.SentAt, x.AcknowledgedAt, x.GivenAt, x.UpdatedAt = timePtr(sendAt), timePtr(sentAt), timePtr(ackAt), timePtr(givenAt), x.UpdatedAt.UTC()
	if x.State == "delayed" && x.Until != "" {
		at, err := reviewAt(x.Until)
		if err != nil {
			return x, err
		}
		x.ReviewAt = &at
	}
	x.Undeliverable = noticeState(x.State, x.Until, x.ReleasedUntil, x.SendAt, x.GivenAt, failing, now) == writ.NoticeUndeliverable
	fl, err := fromJSONText[string](flags)
	if err != nil {
		return x, err
	}
	x.Warnings = noticeWarnings(fl, basis, x.State)
	return x, nil
}

// noticeWarnings are the flags of an order that holds a notice back, each
// with the challenge provider policy calls for (rulebook §8).
func noticeWarnings(flags []string, basis, state string) []writ.NoticeWarning {
	out := []writ.NoticeWarning{}
	if state != "delayed" {
		return out
	}
	if basis == "" {
		basis = "basis not stated"
	}
	for _, f := range flags {
		switch f {
		case rules.FlagIndefiniteNDO:
			out = append(out, writ.NoticeWarning{Flag: f, Challenge: "The order (" + basis + ") has no end date: move the issuing court to set one " +
				"or to lift the order (provider policy: indefinite non-disclosure orders are challenged)."})
		case rules.FlagNDOOverOneYear:
			out = append(out, writ.NoticeWarning{Flag: f, Challenge: "The order (" + basis + ") runs longer than a year: move the issuing court to " +
				"shorten it to what the investigation needs (provider policy: orders over a year are challenged)."})
		}
	}
	return out
}

func (s *Store) deliveries(ctx context.Context, db querier, demandID int64) ([]writ.NoticeDelivery, error) {
	rows, err := db.QueryContext(ctx, `SELECT channel, recipient, state, attempts, last_error, message_id, letter_sha256, sent_at, updated_at,
		method, evidence, document_sha256, recorded_by
		FROM notice_deliveries WHERE demand_id = $1 ORDER BY channel`, demandID)
	if err != nil {
		return nil, fmt.Errorf("store: notice deliveries: %w", err)
	}
	defer rows.Close()
	out := []writ.NoticeDelivery{}
	for rows.Next() {
		var x writ.NoticeDelivery
		var sent sql.NullTime
		if err := rows.Scan(&x.Channel, &x.Recipient, &x.State, &x.Attempts, &x.LastError, &x.MessageID, &x.Letter, &sent, &x.UpdatedAt,
			&x.Method, &x.Evidence, &x.Document, &x.RecordedBy); err != nil {
			return nil, fmt.Errorf("store: notice deliveries: %w", err)
		}
		x.SentAt, x.UpdatedAt = timePtr(sent), x.UpdatedAt.UTC()
		out = append(out, x)
	}
	return out, rows.Err()
}

// noticeRow reads the notice's row, locked for the transaction.
func (s *Store) noticeRow(ctx context.Context, tx *sql.Tx, demandID int64) (state, timing, until string, sendAt *time.Time, err error) {
	var at sql.NullTime
	err = tx.QueryRowContext(ctx, `SELECT state, timing, until, send_at FROM notices WHERE demand_id = $1`+s.forUpdate(), demandID).Scan(&state, &timing, &until, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", "", nil, notFound("notice of demand", demandID)
	}
	if err != nil {
		return "", "", "", nil, fmt.Errorf("store: notice: %w", err)
	}
	return state, timing, until, timePtr(at), nil
}
