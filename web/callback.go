package web

import (
	"fmt"
	"net/http"
	"strings"

	"writ"
)

// recordCallback records the call the legal team made to the agency's
// registered number about an emergency.
func (s *Server) recordCallback(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	in := writ.CallbackInput{Number: strings.TrimSpace(r.PostFormValue("number")), Outcome: r.PostFormValue("outcome"),
		Notes: r.PostFormValue("notes")}
	if _, err := s.store.RecordCallback(r.Context(), v.actor, id, in); err != nil {
		if refusable(err) {
			return s.refuse(w, r, v, id, "callback", err)
		}
		return err
	}
	msg := "The call-back was recorded."
	switch in.Outcome {
	case writ.CallbackConfirmed:
		msg = "The call-back confirmed the emergency."
	case writ.CallbackNotConfirmed:
		msg = "The agency did not confirm the emergency: it is unverified."
	}
	return s.redirect(w, r, fmt.Sprintf("/demands/%d", id), msg)
}
