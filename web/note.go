package web

import (
	"fmt"
	"net/http"
)

// addNote records an internal note of the legal team on a demand.
func (s *Server) addNote(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := demandID(r)
	if err != nil {
		return err
	}
	if _, err := s.store.AddNote(r.Context(), v.actor, id, r.PostFormValue("body")); err != nil {
		if refusable(err) {
			return s.refuse(w, r, v, id, "note", err)
		}
		return err
	}
	return s.redirect(w, r, fmt.Sprintf("/demands/%d#notes", id), "The note was added.")
}
