package web

import (
	"net/http"
	"strings"

	"writ"
)

// publicData is the public page: the latest signed checkpoint of the
// audit log, which anyone may keep and later compare with.
type publicData struct {
	Checkpoint string
	Origin     string
	Size       string
	Root       string
	// Languages offer the page in every language, to a visitor who is
	// not signed in (a user's own choice is on the account page).
	Languages []languageChoice
}

func (s *Server) publicPage(w http.ResponseWriter, r *http.Request, v *visit) error {
	var d publicData
	if !v.signedIn() {
		d.Languages = languageChoices(v.language())
	}
	note, err := s.store.LatestCheckpoint(r.Context())
	switch {
	case err == nil:
		d.Checkpoint = string(note)
		// A checkpoint note's body is its origin, tree size and root hash,
		// one to a line (C2SP tlog-checkpoint).
		lines := strings.SplitN(d.Checkpoint, "\n", 4)
		if len(lines) >= 3 {
			d.Origin, d.Size, d.Root = lines[0], lines[1], lines[2]
		}
	case writ.ErrorCode(err) != writ.ENOTFOUND:
		return err
	}
	return s.render(w, v, http.StatusOK, "public", "public.title", d)
}
