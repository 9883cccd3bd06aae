package store

import (
	"time"

	"writ"
)

// viewCond is the condition of one of the queue's views (writ.Views) on a
// demand d (on its columns alone: the home counts from the demands
// without their notices), for actor at now. The home counts with
// the same conditions the queue lists with, so the two always agree.
// Its arguments are added to p.
func viewCond(p *params, actor writ.Actor, view string, now time.Time) (string, error) {
	day := now.Truncate(24 * time.Hour)
	switch view {
	case writ.ViewEmergencies:
		return "d.urgent", nil
	case writ.ViewOverdue:
		return "d.next_deadline < " + p.add(now) + " AND d.state <> 'closed'", nil
	case writ.ViewDueToday:
		return "d.next_deadline >= " + p.add(now) + " AND d.next_deadline < " + p.add(day.Add(24*time.Hour)) + " AND d.state <> 'closed'", nil
	case writ.ViewDueThisWeek:
		return "d.next_deadline >= " + p.add(now) + " AND d.next_deadline < " + p.add(now.Add(7*24*time.Hour)) + " AND d.state <> 'closed'", nil
	case writ.ViewUnassigned:
		return "d.state = 'received' AND d.assignee_id IS NULL", nil
	case writ.ViewMine:
		return "d.assignee_id = " + p.add(actor.UserID) + " AND d.state <> 'closed'", nil
	case writ.ViewApproval:
		if actor.Role != writ.RoleApprover && actor.Role != writ.RoleAdmin {
			return "FALSE", nil
		}
		// Four eyes: not a demand the actor moved into review.
		return "d.state = 'in_review' AND (d.reviewer_id IS NULL OR d.reviewer_id <> " + p.add(actor.UserID) + ") AND NOT " + openObjectionSQL, nil
	case writ.ViewObjections:
		return openObjectionSQL, nil
	case writ.ViewUndeliverable:
		return "d.id IN (SELECT n.demand_id FROM notices n WHERE " + noticeUndeliverableSQL(p, now) + ")", nil
	}
	return "", writ.FieldErrorf("view", "unknown view %q", view)
}

// openObjectionSQL holds for a demand whose customer objected and the
// legal team has not decided it yet.
const openObjectionSQL = `d.id IN (SELECT r.demand_id FROM customer_responses r WHERE r.kind = 'object' AND r.decision = '')`
