package store

import (
	"context"

	"writ"
)

// Alerts reads what needs the legal team's attention now. The legal team
// and auditors only (EFORBIDDEN). The overdue count is exactly the number
// of demands that are not closed and have an open deadline in the past.
func (s *Store) Alerts(ctx context.Context, actor writ.Actor) (writ.Alerts, error) {
	out := writ.Alerts{Emergencies: []writ.Demand{}}
	if !actor.Role.SeesAll() {
		return out, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors see the alerts")
	}
	now := s.nowUTC()
	page, err := s.queryDemands(ctx, `WHERE d.urgent ORDER BY d.next_deadline, d.id`, nil, 50, func(writ.Demand) string { return "" })
	if err != nil {
		return out, err
	}
	out.Emergencies = page.Items
	var undeliverable, reviewsDue params
	undeliverableSQL, reviewsDueSQL := noticeUndeliverableSQL(&undeliverable, now), noticeReviewDueSQL(&reviewsDue, now)
	counts := []struct {
		n     *int
		query string
		args  params
	}{
		{&out.Overdue, `SELECT count(*) FROM demands d WHERE d.next_deadline < $1 AND d.state <> 'closed'`, params{now}},
		{&out.Undeliverable, `SELECT count(*) FROM notices n WHERE ` + undeliverableSQL, undeliverable},
		{&out.ReviewsDue, `SELECT count(*) FROM notices n WHERE ` + reviewsDueSQL, reviewsDue},
	}
	for _, c := range counts {
		if err := s.read.QueryRowContext(ctx, c.query, c.args...).Scan(c.n); err != nil {
			return out, unavailableOr(err, "store: alerts")
		}
	}
	return out, nil
}
