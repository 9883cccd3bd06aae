package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"writ"
	"writ/auditlog"
)

// checkpoint serves the latest signed checkpoint (C2SP tlog-checkpoint).
func (s *Server) checkpoint(w http.ResponseWriter, r *http.Request) error {
	signed, err := s.store.LatestCheckpoint(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(signed)
	return nil
}

// tile serves the log in the C2SP tlog-tiles layout: hash tiles to anyone,
// entry bundles (the leaves: who did what, when) to auditors and the legal
// team only.
func (s *Server) tile(w http.ResponseWriter, r *http.Request) error {
	t, err := auditlog.ParseTilePath("tile/" + r.PathValue("tile"))
	if err != nil {
		return writ.Errorf(writ.ENOTFOUND, "no such tile")
	}
	var data []byte
	if t.L == -1 {
		actor, err := s.authenticate(r)
		if err != nil {
			return err
		}
		data, err = s.store.EntryBundle(r.Context(), actor, t)
		if err != nil {
			return err
		}
	} else if data, err = s.store.Tile(r.Context(), t); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if t.W == 1<<auditlog.TileHeight {
		// A full tile never changes.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else if t.L != -1 {
		w.Header().Set("Cache-Control", "public, max-age=60")
	}
	w.Write(data)
	return nil
}

// logKeyResponse gives the log's verifier key.
type logKeyResponse struct {
	Origin      string `json:"origin"`
	VerifierKey string `json:"verifier_key"`
}

func (s *Server) verifierKey(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, logKeyResponse{Origin: s.logKey.Verifier.Name(), VerifierKey: s.logKey.VerifierKey})
	return nil
}

// issueCheckpoint signs a checkpoint of the log now, for whoever needs one
// before the next scheduled one. The legal team and auditors only.
func (s *Server) issueCheckpoint(w http.ResponseWriter, r *http.Request) error {
	if !actorOf(r).Role.SeesAll() {
		return writ.Errorf(writ.EFORBIDDEN, "only auditors and the legal team may issue checkpoints")
	}
	signed, err := s.store.IssueCheckpoint(r.Context(), s.logKey.Signer)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	w.Write(signed)
	return nil
}

func (s *Server) inclusionProof(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(q, "index", "size"); err != nil {
		return err
	}
	index, err := requiredInt(q.Get("index"), "index")
	if err != nil {
		return err
	}
	size, err := requiredInt(q.Get("size"), "size")
	if err != nil {
		return err
	}
	p, err := s.store.InclusionProof(r.Context(), actorOf(r), index, size)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) consistencyProof(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := onlyParams(q, "old", "new"); err != nil {
		return err
	}
	old, err := requiredInt(q.Get("old"), "old")
	if err != nil {
		return err
	}
	new, err := requiredInt(q.Get("new"), "new")
	if err != nil {
		return err
	}
	p, err := s.store.ConsistencyProof(r.Context(), actorOf(r), old, new)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func requiredInt(v, name string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0, writ.FieldErrorf(name, "required: a non-negative integer")
	}
	return n, nil
}
