package web

import (
	"fmt"
	"net/http"
	"strconv"

	"writ"
)

// assign gives a demand to a member of the legal team, or takes it back
// from whoever holds it, through the same store path as the API's edit.
func (s *Server) assign(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	uid, err := strconv.ParseInt(r.PostFormValue("assignee"), 10, 64)
	if err != nil || uid <= 0 {
		return s.refuse(w, r, v, id, "assign", writ.FieldErrorf("assignee", "choose who takes the demand"))
	}
	d, err := s.store.UpdateDemand(r.Context(), v.actor, id, writ.DemandPatch{AssigneeID: &uid})
	if err != nil {
		if refusable(err) {
			return s.refuse(w, r, v, id, "assign", err)
		}
		return err
	}
	name := fmt.Sprint("user ", uid)
	if u, err := s.store.User(r.Context(), *d.AssigneeID); err == nil {
		name = u.Name
	}
	return s.redirect(w, r, fmt.Sprintf("/demands/%d", id), fmt.Sprintf("Demand %d is now %s's.", id, name))
}
