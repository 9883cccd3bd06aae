package store

import (
	"time"

	"writ"
)

// viewCond is the condition of one of the queue's views (writ.Views) on a
// demand d joined to its notice n, for actor at now. The home counts with
// the same conditions the queue lists with, so the two always agree.
//
// The placeholders are "?" because the condition joins the queue's other
// conditions, which are written so; the home numbers them itself.
func viewCond(actor writ.Actor, view string, now time.Time) (string, []any, error) {
	day := now.Truncate(24 * time.Hour)
	switch view {
	case writ.ViewEmergencies:
		return "d.urgent", nil, nil
	case writ.ViewOverdue:
		return "d.next_deadline < ? AND d.state <> 'closed'", []any{now}, nil
	case writ.ViewDueToday:
		return "d.next_deadline >= ? AND d.next_deadline < ? AND d.state <> 'closed'", []any{now, day.Add(24 * time.Hour)}, nil
	case writ.ViewDueThisWeek:
		return "d.next_deadline >= ? AND d.next_deadline < ? AND d.state <> 'closed'", []any{now, now.Add(7 * 24 * time.Hour)}, nil
	case writ.ViewUnassigned:
		return "d.state = 'received' AND d.assignee_id IS NULL", nil, nil
	case writ.ViewMine:
		return "d.assignee_id = ? AND d.state <> 'closed'", []any{actor.UserID}, nil
	case writ.ViewApproval:
		if actor.Role != writ.RoleApprover && actor.Role != writ.RoleAdmin {
			return "FALSE", nil, nil
		}
		// Four eyes: not a demand the actor moved into review.
		return "d.state = 'in_review' AND (d.reviewer_id IS NULL OR d.reviewer_id <> ?) AND NOT " + openObjectionSQL,
			[]any{actor.UserID}, nil
	case writ.ViewObjections:
		return openObjectionSQL, nil, nil
	case writ.ViewUndeliverable:
		return "d.id IN (SELECT n.demand_id FROM notices n WHERE " + noticeUndeliverableSQL + ")", []any{now}, nil
	}
	return "", nil, writ.FieldErrorf("view", "unknown view %q", view)
}

// openObjectionSQL holds for a demand whose customer objected and the
// legal team has not decided it yet.
const openObjectionSQL = `d.id IN (SELECT r.demand_id FROM customer_responses r WHERE r.kind = 'object' AND r.decision = '')`
