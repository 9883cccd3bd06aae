package web

import (
	"net/http"
	"time"

	"writ"
)

// calendarData is the deadline calendar: four weeks of days from the
// Monday of the week asked for, each with the deadlines due that day.
type calendarData struct {
	Weeks      [][]calendarDay
	Overdue    []writ.DeadlineEntry
	Start      time.Time
	Prev, Next string
}

type calendarDay struct {
	Date      time.Time
	Today     bool
	Deadlines []writ.DeadlineEntry
}

func (s *Server) calendar(w http.ResponseWriter, r *http.Request, v *visit) error {
	now := s.now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	start := today
	if from := r.URL.Query().Get("from"); from != "" {
		t, err := time.Parse(time.DateOnly, from)
		if err != nil {
			return writ.FieldErrorf("from", "not a date (YYYY-MM-DD): %q", from)
		}
		start = t
	}
	start = start.AddDate(0, 0, -((int(start.Weekday()) + 6) % 7)) // back to Monday
	end := start.AddDate(0, 0, 28)
	list, err := s.store.Deadlines(r.Context(), v.actor, start, end)
	if err != nil {
		return err
	}
	d := calendarData{Start: start, Prev: start.AddDate(0, 0, -28).Format(time.DateOnly), Next: end.Format(time.DateOnly)}
	byDay := map[string][]writ.DeadlineEntry{}
	for _, e := range list {
		k := e.Due.Format(time.DateOnly)
		byDay[k] = append(byDay[k], e)
	}
	for wk := range 4 {
		var week []calendarDay
		for i := range 7 {
			day := start.AddDate(0, 0, wk*7+i)
			week = append(week, calendarDay{Date: day, Today: day.Equal(today), Deadlines: byDay[day.Format(time.DateOnly)]})
		}
		d.Weeks = append(d.Weeks, week)
	}
	if start.Equal(today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))) {
		// The current view also lists what is already overdue.
		over, err := s.store.Deadlines(r.Context(), v.actor, today.AddDate(-1, 0, 0), now)
		if err != nil {
			return err
		}
		// Only an obligation is overdue; a "not before" date is not.
		for _, e := range over {
			if e.Status == writ.DeadlineOpen {
				d.Overdue = append(d.Overdue, e)
			}
		}
	}
	return s.render(w, v, http.StatusOK, "calendar", "Deadline calendar", d)
}
