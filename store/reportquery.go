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
	"writ/rules"
)

// Transparency reports are computed from the records as of a checkpoint of
// the audit log. "As of the checkpoint of size N" means: the records as
// the log's first N entries left them. Every change to a demand records an
// event in the transaction that makes it (given its log index just after
// the commit, by the sequencer), so a demand with no event at index N or
// later, and none still waiting for its index, stands in its row exactly
// as it stood at the checkpoint, and is counted from the row. A demand with a later event is
// replayed from its events before N instead (package report does that) —
// or left out, if it had none, having been received after the checkpoint.
// Building a report at the latest checkpoint therefore costs one GROUP BY
// over the period's rows, and a report of an older checkpoint gives the
// same figures as it did then.
//
// The queries a report is computed with. The one that reads every demand
// of the period is the GROUP BY of reportGroups, answered from one index
// alone (periodRows); the others read only what is rare (demands
// of national-security authorities, of enterprise customers, in an unknown
// state, changed since the checkpoint) through indexes that lead to it.
// Where the report's bands cover other half-years (FISA process under a1
// and a2, the year before under a4), the same GROUP BY, count and authority
// query read those half-years' US national-security process.

// reportQuery says what to read: the query, and the demands table's
// indexes (SQLite only), so that a query names only an index the database
// has.
type reportQuery struct {
	writ.ReportQuery
	indexes map[string]bool
}

// instrumentFilter is the condition that keeps a half-year's instruments;
// its arguments go to a.
func instrumentFilter(p writ.ReportPeriod, a *params) string {
	if p.Instruments == nil {
		return ""
	}
	marks := make([]string, len(p.Instruments))
	for i, c := range p.Instruments {
		marks[i] = a.add(c)
	}
	return ` AND d.instrument IN (` + strings.Join(marks, ", ") + `)`
}

// ReportRows reads the rows and counts a transparency report is computed
// from (writ.ReportQuery says which), in one read transaction so that they
// all agree: the demands of the query's half-years that stand in their rows
// as the checkpoint left them, and which demands changed since. EINVALID
// naming "checkpoint" when the checkpoint is larger than this database's
// log. Package report calls it, and checks who may build a report.
func (s *Store) ReportRows(ctx context.Context, query writ.ReportQuery) (writ.ReportRows, error) {
	q := reportQuery{ReportQuery: query}
	var out writ.ReportRows
	err := s.snapshot(ctx, func(tx *sql.Tx) error {
		var size int64
		err := tx.QueryRowContext(ctx, `SELECT size FROM log_head WHERE id = 1`).Scan(&size)
		if err != nil {
			return fmt.Errorf("store: report: %w", err)
		}
		if q.LogSize > size {
			return writ.FieldErrorf("checkpoint", "the checkpoint has %d entries but this database's log only %d: it is another log's", q.LogSize, size)
		}
		if q.indexes, err = s.demandIndexes(ctx, tx); err != nil {
			return err
		}
		touched, err := s.touchedSince(ctx, tx, q.LogSize)
		if err != nil {
			return err
		}
		// The demands changed since the checkpoint are not counted from
		// their rows but replayed; at the latest checkpoint there are none.
		excl := exclusion{touched: touched, since: q.LogSize}
		for _, id := range touched {
			out.Touched = append(out.Touched, id.(int64))
		}
		if s.postgres {
			return s.readPeriodsPostgres(ctx, tx, q, excl, &out)
		}
		// The independent count, the reconciliation's total, and the
		// enterprise customers are read beside the GROUP BY.
		main := q.Period
		beside := s.alongside(ctx, tx, func(db querier) error {
			var err error
			if out.Period.Counted, out.Period.Closed, err = s.reportCount(ctx, db, q, main, excl); err != nil {
				return err
			}
			out.Customers, err = s.reportCustomers(ctx, db, q, excl)
			return err
		})
		out.Period.Groups, err = s.reportGroups(ctx, tx, q, main, excl)
		if err := errors.Join(err, beside()); err != nil {
			return err
		}
		if out.Period.Authority, err = s.reportAuthority(ctx, tx, q, main, excl); err != nil {
			return err
		}
		if out.UnknownStates, err = s.reportUnknownStates(ctx, tx, q, excl); err != nil {
			return err
		}
		for _, p := range q.Earlier {
			var e writ.PeriodRows
			if e.Counted, e.Closed, err = s.reportCount(ctx, tx, q, p, excl); err != nil {
				return err
			}
			if e.Groups, err = s.reportGroups(ctx, tx, q, p, excl); err != nil {
				return err
			}
			if e.Authority, err = s.reportAuthority(ctx, tx, q, p, excl); err != nil {
				return err
			}
			out.Earlier = append(out.Earlier, e)
		}
		return nil
	})
	return out, err
}

// reportCount is the independent count of a half-year's demands, and of the
// closed ones among them, that the groups are reconciled with: another
// query than the GROUP BY.
func (s *Store) reportCount(ctx context.Context, db querier, q reportQuery, p writ.ReportPeriod, excl exclusion) (all, closed int64, err error) {
	var a params
	period := s.periodRows(q, p, &a)
	err = db.QueryRowContext(ctx, `SELECT count(*), count(d.outcome) FROM demands d`+period.index+`
		WHERE `+period.where+instrumentFilter(p, &a)+excl.sql(&a), a...).Scan(&all, &closed)
	if err != nil {
		return 0, 0, unavailableOr(err, "store: report count")
	}
	return all, closed, nil
}

// exclusion leaves the demands changed since the checkpoint out of a query:
// those with an event at or after log entry since, touched.
type exclusion struct {
	touched []any
	since   int64
}

// sql is the condition on demands d that leaves them out, its arguments
// going to a. At the latest checkpoint there are none; a few are named,
// many found again by their events.
func (e exclusion) sql(a *params) string {
	switch {
	case len(e.touched) == 0:
		return ""
	case len(e.touched) <= 500:
		return ` AND d.id NOT IN (` + a.list(e.touched...) + `)`
	}
	return ` AND d.id NOT IN (SELECT demand_id FROM events WHERE (log_index >= ` + a.add(e.since) + ` OR log_index IS NULL) AND demand_id IS NOT NULL)`
}

// touchedSince lists the demands with an event at or after a log index, or
// one still waiting for its place in the log: their rows may no longer be
// what they were at a checkpoint of that size.
func (s *Store) touchedSince(ctx context.Context, db querier, size int64) ([]any, error) {
	return s.queryIDs(ctx, db, `SELECT DISTINCT demand_id FROM events WHERE (log_index >= $1 OR log_index IS NULL) AND demand_id IS NOT NULL`, size)
}

// nationalSecurityFlag is the test of the NATIONAL_SECURITY flag on a
// demand's flags.
const nationalSecurityFlag = `d.flags LIKE '%"NATIONAL_SECURITY"%'`

// periodFilter is a condition on demands d, and the index to read the
// demands it picks through ("" to leave it to the planner).
type periodFilter struct {
	where, index string
}

// periodRows picks a half-year's demands for the queries that read all of
// them. On SQLite that is the half_year column and demands_half_year,
// which holds a period's demands in the order of the report's groups; on
// PostgreSQL, whose hash aggregate needs no order, the time of receipt,
// through demands_report or demands_received as its planner chooses.
// Its arguments go to a.
func (s *Store) periodRows(q reportQuery, p writ.ReportPeriod, a *params) periodFilter {
	if s.postgres {
		return periodFilter{where: `d.received_at >= ` + a.add(p.Start) + ` AND d.received_at < ` + a.add(p.End)}
	}
	return periodFilter{where: `d.half_year = ` + a.add(p.HalfYear), index: s.indexedBy(q, "demands_half_year")}
}

// longGagFlags are the flags of a non-disclosure order without end or
// longer than the rulebook's long_ndo_after.
var longGagFlags = []string{`"` + rules.FlagIndefiniteNDO + `"`, `"` + rules.FlagNDOOverOneYear + `"`}

// hasLongGag reports whether a demand's flags, as stored, name a long
// non-disclosure order.
func hasLongGag(flags string) bool {
	return slices.ContainsFunc(longGagFlags, func(f string) bool { return strings.Contains(flags, f) })
}

// reportGroups counts a half-year's demands that stand in their rows as of the
// checkpoint with one GROUP BY, keyed by country, outcome, instrument,
// data categories and flags (the columns of demands_half_year, in its
// order, so that SQLite groups without sorting); emergencies and delayed
// notices are summed, and long non-disclosure orders read from the flags.
// Groups that differ only in flags other than NATIONAL_SECURITY are then
// merged.
func (s *Store) reportGroups(ctx context.Context, db querier, q reportQuery, p writ.ReportPeriod, excl exclusion) ([]writ.DemandGroup, error) {
	a := params{q.AsOf.Format(time.DateOnly)}
	period := s.periodRows(q, p, &a)
	rows, err := db.QueryContext(ctx, s.groupsSelect(q)+`
		FROM demands d`+period.index+`
		WHERE `+period.where+instrumentFilter(p, &a)+excl.sql(&a)+`
		GROUP BY `+groupKeys, a...)
	if err != nil {
		return nil, unavailableOr(err, "store: report")
	}
	defer rows.Close()
	var t groupTally
	for rows.Next() {
		k, g, err := scanGroup(rows, q)
		if err != nil {
			return nil, err
		}
		t.add(k, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: report: %w", err)
	}
	return t.groups, nil
}

// categoriesOf reads a demand's data categories as stored. A list that is
// not JSON is a corrupt record: the report names it rather than failing
// without saying where.
func categoriesOf(stored string) []string {
	list, err := fromJSONText[string](stored)
	if err != nil {
		return []string{stored}
	}
	return list
}

// accountCount is how the database counts the accounts a demand names: on
// SQLite the JSON list's length, which demands_half_year indexes; on
// PostgreSQL the stored account_count.
func (s *Store) accountCount() string {
	if s.postgres {
		return "d.account_count"
	}
	return "json_array_length(d.accounts)"
}

// reportCustomers lists, by country, the enterprise and public-sector
// customers the period's demands name (national-security demands left
// out), through the demands_enterprise index from those customers.
func (s *Store) reportCustomers(ctx context.Context, db querier, q reportQuery, excl exclusion) ([]writ.CustomerGroup, error) {
	// SQLite is told the plan: from the customers, into each one's
	// demands of the period by demands_enterprise. Left to itself it may
	// read every demand of the period and look up its customer.
	from := `customers c JOIN demands d ON d.customer_id = c.id WHERE`
	if !s.postgres {
		from = `customers c CROSS JOIN demands d` + s.indexedBy(q, "demands_enterprise") + ` WHERE d.customer_id = c.id AND`
	}
	a := params{q.Period.Start, q.Period.End}
	rows, err := db.QueryContext(ctx, `SELECT d.authority_country, d.customer_id, count(*),
			max(CASE WHEN d.outcome IN ('`+writ.OutcomeContentDisclosed+`', '`+writ.OutcomeNonContentDisclosed+`') THEN 1 ELSE 0 END)
		FROM `+from+` c.kind IN ('enterprise', 'public_sector') AND d.received_at >= $1 AND d.received_at < $2 AND NOT (`+nationalSecurityFlag+`)`+excl.sql(&a)+`
		GROUP BY 1, 2`, a...)
	if err != nil {
		return nil, unavailableOr(err, "store: report customers")
	}
	defer rows.Close()
	var out []writ.CustomerGroup
	for rows.Next() {
		var c writ.CustomerGroup
		var withData int
		if err := rows.Scan(&c.Country, &c.Customer, &c.Demands, &withData); err != nil {
			return nil, fmt.Errorf("store: report customers: %w", err)
		}
		c.WithData = withData == 1
		out = append(out, c)
	}
	return out, rows.Err()
}

// reportAuthority reads, one by one, a half-year's demands from authorities of
// kind national_security, with what the report needs to place each: where
// they are counted depends on the authority's country, which the groups
// do not tell. Such demands are few; the demands_authority index leads to
// them, and on PostgreSQL holds every column read of them (migration 0025).
func (s *Store) reportAuthority(ctx context.Context, db querier, q reportQuery, p writ.ReportPeriod, excl exclusion) ([]writ.AuthorityDemand, error) {
	agencies, err := s.nationalSecurityAgencies(ctx, db)
	if err != nil || len(agencies) == 0 {
		return nil, err
	}
	// The authorities' ids are written into the statement, not passed as
	// arguments: PostgreSQL keeps a generic plan of a statement run again
	// (pgx prepares them), and one made without knowing the authorities
	// read every demand of the period through demands_received and kept
	// the authorities' (42 ms at 1M demands, against well under one
	// through demands_authority). They are numbers from the database.
	ids := make([]string, len(agencies))
	for i, id := range agencies {
		ids[i] = strconv.FormatInt(id, 10)
	}
	a := params{p.Start, p.End}
	rows, err := db.QueryContext(ctx, `SELECT d.id, d.authority_country, d.outcome, d.instrument, d.data_categories, d.flags, `+s.accountCount()+`,
			d.emergency, d.ndo, d.ndo_until, d.customer_id, CASE WHEN c.kind IN ('enterprise', 'public_sector') THEN 1 ELSE 0 END
		FROM demands d`+s.indexedBy(q, "demands_authority")+` LEFT JOIN customers c ON c.id = d.customer_id
		WHERE d.agency_id IN (`+strings.Join(ids, ", ")+`) AND d.received_at >= $1 AND d.received_at < $2`+instrumentFilter(p, &a)+excl.sql(&a)+` ORDER BY d.id`,
		a...)
	if err != nil {
		return nil, unavailableOr(err, "store: report")
	}
	defer rows.Close()
	asOf := q.AsOf.Format(time.DateOnly)
	var out []writ.AuthorityDemand
	for rows.Next() {
		a := writ.AuthorityDemand{DemandGroup: writ.DemandGroup{Demands: 1}}
		var outcome sql.NullString
		var categories, flags, until string
		var accounts sql.NullInt64
		var emergency, ndo bool
		var customer sql.NullInt64
		var enterprise int
		if err := rows.Scan(&a.ExampleID, &a.Country, &outcome, &a.Instrument, &categories, &flags, &accounts,
			&emergency, &ndo, &until, &customer, &enterprise); err != nil {
			return nil, fmt.Errorf("store: report: %w", err)
		}
		a.Outcome, a.Categories, a.Accounts = outcome.String, categoriesOf(categories), accounts.Int64
		a.NationalSecurityFlag = strings.Contains(flags, `"NATIONAL_SECURITY"`)
		if emergency {
			a.Emergency = 1
		}
		if ndo && (until == "" || until > asOf) {
			a.DelayedNotices = 1
		}
		if hasLongGag(flags) {
			a.LongGags = 1
		}
		if enterprise == 1 {
			a.EnterpriseCustomer = customer.Int64
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// nationalSecurityAgencies lists the agencies of kind national_security.
func (s *Store) nationalSecurityAgencies(ctx context.Context, db querier) ([]int64, error) {
	return queryColumn[int64](ctx, db, "store: report", `SELECT id FROM agencies WHERE kind = 'national_security' ORDER BY id`)
}

// queryIDs runs a query of one id column and returns the ids, as
// arguments for a later IN list.
func (s *Store) queryIDs(ctx context.Context, db querier, query string, args ...any) ([]any, error) {
	ids, err := queryColumn[int64](ctx, db, "store: report", query, args...)
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out, err
}

// indexedBy tells SQLite which index to read a table through, where its
// planner, guided by statistics, might pick a narrower index and visit the
// table for every row; PostgreSQL plans for itself. A database without the
// index is left to its planner.
func (s *Store) indexedBy(q reportQuery, index string) string {
	if s.postgres || !q.indexes[index] {
		return ""
	}
	return " INDEXED BY " + index
}

// demandIndexes lists the demands table's indexes on SQLite.
func (s *Store) demandIndexes(ctx context.Context, db querier) (map[string]bool, error) {
	if s.postgres {
		return nil, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'demands'`)
	if err != nil {
		return nil, unavailableOr(err, "store: report")
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("store: report: %w", err)
		}
		out[name] = true
	}
	return out, rows.Err()
}

// reportUnknownStates names demands of the period in a state that is not
// one of writ's. It walks the distinct states through the demands_state
// index, one seek each, and looks for the period's demands only in a
// state it does not know.
func (s *Store) reportUnknownStates(ctx context.Context, db querier, q reportQuery, excl exclusion) ([]int64, error) {
	// A loose index scan: each step seeks the next state in the index.
	rows, err := db.QueryContext(ctx, `WITH RECURSIVE s(state) AS (
			SELECT min(state) FROM demands
			UNION ALL
			SELECT (SELECT min(state) FROM demands WHERE state > s.state) FROM s WHERE s.state IS NOT NULL
		) SELECT state FROM s WHERE state IS NOT NULL`)
	if err != nil {
		return nil, unavailableOr(err, "store: report states")
	}
	var unknown []string
	for rows.Next() {
		var state string
		if err := rows.Scan(&state); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: report states: %w", err)
		}
		if !writ.State(state).Valid() {
			unknown = append(unknown, state)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("store: report states: %w", err)
	}
	var ids []int64
	for _, st := range unknown {
		a := params{st, q.Period.Start, q.Period.End}
		rows, err := db.QueryContext(ctx, `SELECT d.id FROM demands d WHERE d.state = $1 AND d.received_at >= $2 AND d.received_at < $3`+excl.sql(&a)+`
			ORDER BY d.id LIMIT 20`, a...)
		if err != nil {
			return nil, unavailableOr(err, "store: report states")
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: report states: %w", err)
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	slices.Sort(ids)
	return ids, nil
}
