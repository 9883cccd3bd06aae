package web

import (
	"fmt"
	"net/http"
	"strconv"

	"writ"
)

// decideObjection records the legal team's decision on a customer's
// objection: upheld or overruled, with the rationale.
func (s *Server) decideObjection(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	rid, err := strconv.ParseInt(r.PathValue("response"), 10, 64)
	if err != nil {
		return writ.Errorf(writ.ENOTFOUND, "there is no response %q", r.PathValue("response"))
	}
	in := writ.ObjectionDecisionInput{Decision: r.PostFormValue("decision"), Rationale: r.PostFormValue("rationale")}
	if _, err := s.store.DecideObjection(r.Context(), v.actor, id, rid, in); err != nil {
		if refusable(err) {
			return s.refuse(w, r, v, id, "objection", err)
		}
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/demands/%d", id), "The objection was "+in.Decision+".")
}
