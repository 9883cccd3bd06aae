package web

import (
	"net/http"

	"writ/rules"
)

// rulebookData is the rulebook in force: its version, the digest of its
// text that the audit log records, and what the version changed.
type rulebookData struct {
	Version string
	Digest  string
	Changes rules.Changes
}

func (s *Server) rulebook(w http.ResponseWriter, r *http.Request, v *visit) error {
	rb := s.store.Rules()
	return s.render(w, v, http.StatusOK, "rulebook", "Rulebook "+rb.Version(),
		rulebookData{Version: rb.Version(), Digest: rb.Digest(), Changes: rb.Changes()})
}
