package web

import (
	"fmt"
	"net/http"

	"writ"
)

// verifyRequester records the legal team's finding that the person who
// sent the demand speaks for the agency.
func (s *Server) verifyRequester(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	yes := true
	if _, err := s.store.UpdateDemand(r.Context(), v.actor, id, writ.DemandPatch{RequesterVerified: &yes}); err != nil {
		if refusable(err) {
			return s.refuse(w, r, v, id, "requester", err)
		}
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/demands/%d", id), "The requester is recorded as verified.")
}
