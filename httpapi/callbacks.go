package httpapi

import (
	"net/http"
	"strconv"

	"writ"
)

// recordCallback records a call the legal team made to the agency's
// registered number about an emergency.
func (s *Server) recordCallback(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in writ.CallbackInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.store.RecordCallback(r.Context(), actorOf(r), id, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/demands/"+strconv.FormatInt(id, 10)+"/callbacks")
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) listCallbacks(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.store.Callbacks(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, writ.Page[writ.Callback]{Items: list})
	return nil
}
