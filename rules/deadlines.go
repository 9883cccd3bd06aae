package rules

import (
	"cmp"
	"slices"
	"time"
)

// deadlines is rulebook.md §6. They run from receipt whatever the route: a
// rejected European Production Order must still be answered in time, and a
// rejected preservation order is still preserved until it is resolved. An
// instrument not in force runs none of its own deadlines, since its law
// does not (yet, or any more) apply; a date the authority wrote still
// gives RESPOND.
func (rb *Rulebook) deadlines(f *facts, a *Assessment) []Deadline {
	out := []Deadline{}
	add := func(code string, due time.Time, text message, extra ...string) {
		out = append(out, Deadline{
			Code:    code,
			Due:     due,
			Message: text.render(f, append([]string{"due", formatTime(due)}, extra...)...),
		})
	}

	due := f.d.Due
	var dueAt time.Time
	if due != nil {
		dueAt = due.UTC().Truncate(time.Second)
	}
	given := set{}
	if f.inForce {
		for _, dl := range f.inst.deadlines {
			// Of several rows with one code, the first that applies.
			if given[dl.code] || !rb.deadlineApplies(f, dl.when, len(a.Conflicts) > 0) {
				continue
			}
			p, source, ok := dl.period(f.d.Authority.Country)
			if !ok {
				continue
			}
			var at time.Time
			switch {
			case f.emergency && dl.inEmergency != nil:
				p = *dl.inEmergency
				at = f.received.Add(p.D)
			case dl.calendar:
				at = calendarDaysEnd(f.received, int(p.D/(24*time.Hour)), rb.euClock)
			default:
				at = f.received.Add(p.D)
			}
			if dl.notAfterDue && due != nil && dueAt.Before(at) {
				at = dueAt
			}
			given[dl.code] = true
			add(dl.code, at, dl.text, "within", p.Text, "source", source)
		}
	}
	// An instrument with its own time to respond (an EPOC in force) is not
	// governed by the date the authority writes on it.
	if due != nil && !given[DeadlineRespond] {
		add(DeadlineRespond, dueAt, rb.deadlineText[DeadlineRespond])
	}
	if a.Comity.StatutoryMotion {
		w := rb.comityRule.statutory.fileWithin
		add(DeadlineComityMotion, f.received.Add(w.D), rb.comityRule.statutory.deadlineText, "within", w.Text)
	}
	if a.Notice.Timing == NoticeDelayed && a.Notice.Until != nil {
		add(DeadlineNotice, rb.noticeReview(*a.Notice.Until), rb.deadlineText[DeadlineNotice])
	}
	if a.Notice.Timing == NoticeBeforeDisclosure {
		w := rb.objectionWindow
		add(DeadlineEarliestDisclosure, f.received.Add(w.D), rb.deadlineText[DeadlineEarliestDisclosure], "within", w.Text)
	}
	slices.SortFunc(out, func(a, b Deadline) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return cmp.Compare(a.Code, b.Code)
	})
	return out
}

// period returns the deadline's period for a requesting country: the
// country's own when the rulebook gives one, else the default; false when
// there is neither.
func (dl *instrumentDeadline) period(country string) (period, string, bool) {
	if cp, ok := dl.byCountry[country]; ok {
		return cp.within, cp.source, true
	}
	if dl.within == nil {
		return period{}, "", false
	}
	return *dl.within, dl.source, true
}

// noticeReview is when a delayed notice is reviewed: the day after the
// non-disclosure order's last day, at the policy's hour in UTC.
func (rb *Rulebook) noticeReview(until Date) time.Time {
	return until.Time().AddDate(0, 0, 1).Add(time.Duration(rb.noticeReviewHour) * time.Hour)
}

// NoticeReview returns the review date of a delayed notice whose
// non-disclosure order's last day is until (rulebook.md §5, §6).
func (rb *Rulebook) NoticeReview(until Date) time.Time { return rb.noticeReview(until) }

// calendarDaysEnd is the end of a period of days counted on a state's
// calendar (Reg. (EEC, Euratom) No 1182/71 Art. 3): the day of receipt is
// not counted, the period ends with the last hour of its last day, and a
// last day on a Saturday or Sunday moves to the following Monday. Public
// holidays are not modelled. The result is 00:00 local time on the day
// after the last day, in UTC.
func calendarDaysEnd(received time.Time, days int, clock *time.Location) time.Time {
	y, m, d := received.In(clock).Date()
	last := time.Date(y, m, d+days, 12, 0, 0, 0, clock)
	switch last.Weekday() {
	case time.Saturday:
		last = last.AddDate(0, 0, 2)
	case time.Sunday:
		last = last.AddDate(0, 0, 1)
	}
	y, m, d = last.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, clock).UTC()
}

func (rb *Rulebook) deadlineApplies(f *facts, when string, conflicted bool) bool {
	switch when {
	case whenNeedsNotification:
		return f.needsNotification()
	case whenConflict:
		return conflicted
	case whenEmergencyWithoutValidation:
		return f.emergencyWaiver
	case whenNoDue:
		return f.d.Due == nil
	}
	return true
}

// needsNotification is Art. 8 of Regulation (EU) 2023/1543: the enforcing
// authority is told of an order for the listed categories, unless the
// offence was committed in the issuing state and the person whose data is
// sought lives there. Absent facts count against the exemption.
func (f *facts) needsNotification() bool {
	n := f.inst.notification
	if n == nil || !f.asksAny(n) {
		return false
	}
	d := f.d
	local := d.OffenceInIssuingState != nil && *d.OffenceInIssuingState && d.SubjectResidence == d.Authority.Country
	return !local
}
