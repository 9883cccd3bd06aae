package web

import (
	"net/http"
	"strconv"

	"writ"
)

// saveFilter keeps the queue's current filter under a name, for the
// signed-in user alone.
func (s *Server) saveFilter(w http.ResponseWriter, r *http.Request, v *visit) error {
	f, err := s.store.SaveFilter(r.Context(), v.actor, r.PostFormValue("name"), r.PostFormValue("query"))
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/queue?"+f.Query, "The filter “"+f.Name+"” was saved.")
}

// deleteFilter deletes one of the signed-in user's saved filters.
func (s *Server) deleteFilter(w http.ResponseWriter, r *http.Request, v *visit) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return writ.Errorf(writ.ENOTFOUND, "there is no saved filter %q", r.PathValue("id"))
	}
	if err := s.store.DeleteFilter(r.Context(), v.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, "/queue", "The filter was deleted.")
}
