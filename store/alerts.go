package store

import (
	"context"
	"slices"
	"time"

	"writ"
)

// Alerts reads what needs the legal team's attention now. The legal team
// and auditors only (EFORBIDDEN). The overdue count is exactly the number
// of demands that are not closed and have an open deadline in the past,
// as of a reading at most readingFresh old with no change committed
// through this store since (readings).
func (s *Store) Alerts(ctx context.Context, actor writ.Actor) (writ.Alerts, error) {
	if !actor.Role.SeesAll() {
		return writ.Alerts{Emergencies: []writ.Demand{}}, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors see the alerts")
	}
	now := s.nowUTC()
	a, changes, ok := keptReading(&s.readings, s.readings.alerts, "", now)
	if !ok {
		var err error
		if a, err = s.readAlerts(ctx, now); err != nil {
			return a, err
		}
		keepReading(&s.readings, &s.readings.alerts, "", a, now, changes)
	}
	a.Emergencies = slices.Clone(a.Emergencies)
	return a, nil
}

// readAlerts reads the banner at now from the database.
func (s *Store) readAlerts(ctx context.Context, now time.Time) (writ.Alerts, error) {
	out := writ.Alerts{Emergencies: []writ.Demand{}}
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
