package rules

import (
	"cmp"
	"slices"
	"time"
)

// deadlines is rulebook.md §6. They run from receipt whatever the route: a
// rejected European Production Order must still be answered in time, and a
// rejected preservation order is still preserved until it is resolved.
func (rb *Rulebook) deadlines(f *facts, a *Assessment) []Deadline {
	out := []Deadline{}
	add := func(code string, due time.Time, text message, within string) {
		out = append(out, Deadline{
			Code:    code,
			Due:     due,
			Message: text.render(f, "due", formatTime(due), "within", within),
		})
	}

	ownRespond := false
	for _, dl := range f.inst.deadlines {
		ownRespond = ownRespond || dl.code == DeadlineRespond
		if !rb.deadlineApplies(f, dl.when, len(a.Conflicts) > 0) {
			continue
		}
		p := dl.within
		if f.emergency && dl.inEmergency != nil {
			p = *dl.inEmergency
		}
		add(dl.code, f.received.Add(p.D), dl.text, p.Text)
	}
	// An instrument with its own time to respond (an EPOC) is not governed
	// by the date the authority writes on it.
	if d := f.d.Due; d != nil && !ownRespond {
		add(DeadlineRespond, d.UTC().Truncate(time.Second), rb.deadlineText[DeadlineRespond], "")
	}
	if a.Comity.StatutoryMotion {
		w := rb.comityRule.statutory.fileWithin
		add(DeadlineComityMotion, f.received.Add(w.D), rb.comityRule.statutory.deadlineText, w.Text)
	}
	if a.Notice.Timing == NoticeDelayed && a.Notice.Until != nil {
		add(DeadlineNotice, a.Notice.Until.Time(), rb.deadlineText[DeadlineNotice], "")
	}
	if a.Notice.Timing == NoticeBeforeDisclosure {
		w := rb.objectionWindow
		add(DeadlineEarliestDisclosure, f.received.Add(w.D), rb.deadlineText[DeadlineEarliestDisclosure], w.Text)
	}
	slices.SortFunc(out, func(a, b Deadline) int {
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		return cmp.Compare(a.Code, b.Code)
	})
	return out
}

func (rb *Rulebook) deadlineApplies(f *facts, when string, conflicted bool) bool {
	switch when {
	case whenNeedsNotification:
		return f.needsNotification()
	case whenConflict:
		return conflicted
	case whenEmergencyWithoutValidation:
		return f.emergencyWaiver
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
