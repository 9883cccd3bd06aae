package store

import (
	"context"
	"time"

	"writ"
)

// ReportBaseline runs the plain SQL GROUP BY that computes a report's
// table — by country and outcome group: demands, accounts, emergency
// demands and outstanding delayed notices, demands with the
// NATIONAL_SECURITY flag left out — straight from the period's rows, with
// no checkpoint, no replay, no other breakdown and no reconciliation, and
// returns how many rows it gave. (The report itself sorts the few demands
// of national-security authorities one by one: those of a US authority
// that are not national-security process count in its table.) It picks the period's rows as the report does (periodRows), so
// that it has the same index to read them through, and is left to the
// database's planner. It is what the benchmarks compare a report with.
func (s *Store) ReportBaseline(ctx context.Context, p writ.ReportPeriod, asOf time.Time) (int, error) {
	a := params{asOf.Format(time.DateOnly)}
	period := s.periodRows(reportQuery{}, p, &a)
	rows, err := s.read.QueryContext(ctx, `SELECT d.authority_country, COALESCE(d.outcome, 'pending'), count(*), sum(`+s.accountCount()+`),
			sum(CASE WHEN d.emergency THEN 1 ELSE 0 END), sum(CASE WHEN d.ndo AND (d.ndo_until = '' OR d.ndo_until > $1) THEN 1 ELSE 0 END)
		FROM demands d WHERE `+period.where+` AND d.flags NOT LIKE '%"NATIONAL_SECURITY"%'
		GROUP BY 1, 2`, a...)
	if err != nil {
		return 0, unavailableOr(err, "store: report baseline")
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var country, group string
		var demands, accounts, emergency, delayed int64
		if err := rows.Scan(&country, &group, &demands, &accounts, &emergency, &delayed); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}
