package web

import (
	"fmt"
	"net/http"
)

// reply records an agency's reply to the redirect or rejection of its
// demand.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	if _, err := s.store.Reply(r.Context(), v.actor, id, r.PostFormValue("message")); err != nil {
		if refusable(err) {
			return s.refuse(w, r, v, id, "reply", err)
		}
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/demands/%d", id), "flash.reply")
}
