package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"writ"
)

// homeListLength is how many demands each view of the home lists.
const homeListLength = 5

// Home reads the legal team's home for actor: the count of every view of
// the queue (writ.Views) in one query (from the demands alone: a view's
// condition is on the demand), and the first few demands of each
// view that holds any, soonest deadline first, as of a reading at most
// readingFresh old with no change committed through this store since
// (readings). The legal team and auditors only (EFORBIDDEN).
func (s *Store) Home(ctx context.Context, actor writ.Actor) (writ.Home, error) {
	now := s.nowUTC()
	if !actor.Role.SeesAll() {
		return writ.Home{At: now}, writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors have the legal team's home")
	}
	key := fmt.Sprint(actor.UserID, actor.Role)
	home, changes, ok := keptReading(&s.readings, s.readings.homes, key, now)
	if !ok {
		var err error
		if home, err = s.readHome(ctx, actor, now); err != nil {
			return home, err
		}
		keepReading(&s.readings, &s.readings.homes, key, home, now, changes)
	}
	home.Views = slices.Clone(home.Views)
	for i := range home.Views {
		home.Views[i].Demands = slices.Clone(home.Views[i].Demands)
	}
	return home, nil
}

// readHome reads actor's home at now from the database.
func (s *Store) readHome(ctx context.Context, actor writ.Actor, now time.Time) (writ.Home, error) {
	home := writ.Home{At: now}
	var counts []any
	var args params
	var parts []string
	for _, view := range writ.Views() {
		cond, err := viewCond(&args, actor, view, now)
		if err != nil {
			return home, err
		}
		parts = append(parts, `(SELECT count(*) FROM demands d WHERE `+cond+`)`)
		counts = append(counts, new(int))
	}
	if err := s.read.QueryRowContext(ctx, `SELECT `+strings.Join(parts, ", "), args...).Scan(counts...); err != nil {
		return home, unavailableOr(err, "store: home")
	}
	for i, view := range writ.Views() {
		hv := writ.HomeView{View: view, Count: *counts[i].(*int), Demands: []writ.Demand{}}
		if hv.Count > 0 {
			var values params
			cond, _ := viewCond(&values, actor, view, now)
			page, err := s.queryDemands(ctx, `WHERE `+cond+` ORDER BY d.next_deadline, d.id`,
				values, homeListLength, func(writ.Demand) string { return "" })
			if err != nil {
				return home, err
			}
			hv.Demands = page.Items
		}
		home.Views = append(home.Views, hv)
	}
	return home, nil
}
