package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"writ"
)

// groupKeys are the columns a report's GROUP BY groups demands by.
const groupKeys = `d.authority_country, d.outcome, d.instrument, d.data_categories, d.flags`

// groupsSelect is the select list of a report's GROUP BY: its keys, the
// demands, accounts, emergencies and delayed notices of each group (the
// notices against $1, the report's AsOf), and the least demand id when
// the query asks for examples. A grand total of no rows sums to NULL.
func (s *Store) groupsSelect(q reportQuery) string {
	example := ""
	if q.Examples {
		example = ", COALESCE(min(d.id), 0)"
	}
	return `SELECT ` + groupKeys + `,
			count(*), sum(` + s.accountCount() + `), COALESCE(sum(CASE WHEN d.emergency THEN 1 ELSE 0 END), 0),
			COALESCE(sum(CASE WHEN d.ndo AND (d.ndo_until = '' OR d.ndo_until > $1) THEN 1 ELSE 0 END), 0)` + example
}

// groupKey is what a report tells groups apart by: the flags count only
// for NATIONAL_SECURITY.
type groupKey struct {
	country, outcome, instrument, categories string
	nsFlag                                   bool
}

// groupTally gathers the groups of a half-year from one or more GROUP BY
// results, merging those of the same key.
type groupTally struct {
	index  map[groupKey]int
	keys   []groupKey
	groups []writ.DemandGroup
}

// scanGroup reads one row of groupsSelect's columns, followed by extra.
// The keys are NULL in a grand total's row.
func scanGroup(rows *sql.Rows, q reportQuery, extra ...any) (groupKey, writ.DemandGroup, error) {
	var g writ.DemandGroup
	var k groupKey
	var country, outcome, instrument, categories, flags sql.NullString
	var accounts sql.NullInt64
	dest := []any{&country, &outcome, &instrument, &categories, &flags, &g.Demands, &accounts, &g.Emergency, &g.DelayedNotices}
	if q.Examples {
		dest = append(dest, &g.ExampleID)
	}
	if err := rows.Scan(append(dest, extra...)...); err != nil {
		return k, g, fmt.Errorf("store: report: %w", err)
	}
	k = groupKey{country.String, outcome.String, instrument.String, categories.String, strings.Contains(flags.String, `"NATIONAL_SECURITY"`)}
	g.Accounts = accounts.Int64
	if hasLongGag(flags.String) {
		g.LongGags = g.Demands
	}
	g.Country, g.Outcome, g.Instrument, g.NationalSecurityFlag = k.country, k.outcome, k.instrument, k.nsFlag
	g.Categories = categoriesOf(k.categories)
	return k, g, nil
}

// add counts g in the group of key k.
func (t *groupTally) add(k groupKey, g writ.DemandGroup) {
	i, ok := t.index[k]
	if !ok {
		if t.index == nil {
			t.index = map[groupKey]int{}
		}
		t.index[k] = len(t.groups)
		t.keys, t.groups = append(t.keys, k), append(t.groups, g)
		return
	}
	m := &t.groups[i]
	m.Demands, m.Accounts, m.Emergency, m.DelayedNotices = m.Demands+g.Demands, m.Accounts+g.Accounts, m.Emergency+g.Emergency, m.DelayedNotices+g.DelayedNotices
	m.LongGags += g.LongGags
	if g.ExampleID != 0 && (m.ExampleID == 0 || g.ExampleID < m.ExampleID) {
		m.ExampleID = g.ExampleID
	}
}

// reportTally reads a half-year, or a part of one, on PostgreSQL with one
// statement: its groups, added to t, and the count the groups are
// reconciled with, and the closed ones among them. The count is the
// grand total of the statement's GROUPING SETS: an aggregate of its own
// over the rows the WHERE picks, not a sum of the groups, so that a demand
// that fell out of its group, or into two, does not reconcile.
func (s *Store) reportTally(ctx context.Context, db querier, q reportQuery, p writ.ReportPeriod, excl exclusion, t *groupTally) (all, closed int64, err error) {
	a := params{q.AsOf.Format(time.DateOnly)}
	period := s.periodRows(q, p, &a)
	rows, err := db.QueryContext(ctx, s.groupsSelect(q)+`, GROUPING(d.authority_country), count(d.outcome)
		FROM demands d
		WHERE `+period.where+instrumentFilter(p, &a)+excl.sql(&a)+`
		GROUP BY GROUPING SETS ((`+groupKeys+`), ())`, a...)
	if err != nil {
		return 0, 0, unavailableOr(err, "store: report")
	}
	defer rows.Close()
	totals := 0
	for rows.Next() {
		var total int
		var closedCount int64
		k, g, err := scanGroup(rows, q, &total, &closedCount)
		if err != nil {
			return 0, 0, err
		}
		if total == 1 {
			all, closed, totals = g.Demands, closedCount, totals+1
			continue
		}
		t.add(k, g)
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("store: report: %w", err)
	}
	if totals != 1 {
		return 0, 0, fmt.Errorf("store: report: %d grand totals, not one", totals)
	}
	return all, closed, nil
}

// readPeriodsPostgres reads what ReportRows reads on PostgreSQL. The
// half-year is read in two parts by time of receipt (55% and 45% of it),
// one on tx and one on a second connection in the same snapshot, at the
// same time, each with one statement that computes both the part's groups
// and, as a grouping set of its own, its count; then the national-security
// authorities' demands and the unknown states on the first connection and
// the customers on the second, so that the two finish close together.
func (s *Store) readPeriodsPostgres(ctx context.Context, tx *sql.Tx, q reportQuery, excl exclusion, out *writ.ReportRows) error {
	first, second := q.Period, q.Period
	// The second connection starts once it has the snapshot and reads
	// the customers after its part, so its part is the smaller.
	first.End = q.Period.Start.Add(q.Period.End.Sub(q.Period.Start) * 55 / 100)
	second.Start = first.End
	var t, other groupTally
	var counted, closed [2]int64
	beside := s.alongside(ctx, tx, func(db querier) error {
		var err error
		if counted[1], closed[1], err = s.reportTally(ctx, db, q, second, excl, &other); err != nil {
			return err
		}
		out.Customers, err = s.reportCustomers(ctx, db, q, excl)
		return err
	})
	err := func() error {
		var err error
		if counted[0], closed[0], err = s.reportTally(ctx, tx, q, first, excl, &t); err != nil {
			return err
		}
		if out.Period.Authority, err = s.reportAuthority(ctx, tx, q, q.Period, excl); err != nil {
			return err
		}
		out.UnknownStates, err = s.reportUnknownStates(ctx, tx, q, excl)
		return err
	}()
	if err := errors.Join(err, beside()); err != nil {
		return err
	}
	for i, g := range other.groups {
		t.add(other.keys[i], g)
	}
	out.Period.Groups, out.Period.Counted, out.Period.Closed = t.groups, counted[0]+counted[1], closed[0]+closed[1]
	for _, p := range q.Earlier {
		var e writ.PeriodRows
		var t groupTally
		if e.Counted, e.Closed, err = s.reportTally(ctx, tx, q, p, excl, &t); err != nil {
			return err
		}
		e.Groups = t.groups
		if e.Authority, err = s.reportAuthority(ctx, tx, q, p, excl); err != nil {
			return err
		}
		out.Earlier = append(out.Earlier, e)
	}
	return nil
}
