package httpapi

import (
	"net/http"

	"writ"
)

// assess answers POST /v1/assess: the assessment of a case, exactly as
// "writ assess" prints it. The legal team and auditors only.
func (s *Server) assess(w http.ResponseWriter, r *http.Request) error {
	if !actorOf(r).Role.SeesAll() {
		return writ.Errorf(writ.EFORBIDDEN, "only the legal team and auditors may run assessments")
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	c, err := s.rules.DecodeCase(body)
	if err != nil {
		return err
	}
	if c.AsOf == nil {
		now := s.now().UTC()
		c.AsOf = &now
	}
	writeJSON(w, http.StatusOK, s.rules.Assess(c))
	return nil
}
