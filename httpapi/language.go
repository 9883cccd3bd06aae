package httpapi

import "net/http"

// languageBody is a customer's language of correspondence ("" for its home
// country's).
type languageBody struct {
	Language string `json:"language"`
}

func (s *Server) setCustomerLanguage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b languageBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	c, err := s.store.SetCustomerLanguage(r.Context(), actorOf(r), id, b.Language)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}
