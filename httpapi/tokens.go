package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"writ"
)

// createToken makes a token for the caller's own use (201, with its
// secret, shown this once), or, when an admin asks for another user's
// token, a request a second admin must confirm (202).
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in writ.TokenInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	actor := actorOf(r)
	if actor.UserID != id && actor.Role == writ.RoleAdmin {
		req, err := s.identity.RequestToken(r.Context(), actor, id, in)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/v1/token-requests/"+strconv.FormatInt(req.ID, 10))
		writeJSON(w, http.StatusAccepted, req)
		return nil
	}
	t, err := s.identity.CreateToken(r.Context(), actor, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	list, err := s.identity.Tokens(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, writ.Page[writ.Token]{Items: list})
	return nil
}

// reasonBody says why something was done.
type reasonBody struct {
	Reason string `json:"reason"`
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	return reasoned(w, r, s.identity.RevokeToken)
}

// reasoned does act to the thing named by the path's id with the reason
// the body gives, and answers what act returns.
func reasoned[T any](w http.ResponseWriter, r *http.Request, act func(context.Context, writ.Actor, int64, string) (T, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in reasonBody
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	out, err := act(r.Context(), actorOf(r), id, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listTokenRequests(w http.ResponseWriter, r *http.Request) error {
	list, err := s.identity.TokenRequests(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, writ.Page[writ.TokenRequest]{Items: list})
	return nil
}

// confirmTokenRequest issues a requested token as the second admin; the
// secret is shown this once, to the confirming admin.
func (s *Server) confirmTokenRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.identity.ConfirmTokenRequest(r.Context(), actorOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) deactivateUser(w http.ResponseWriter, r *http.Request) error {
	return reasoned(w, r, s.identity.DeactivateUser)
}
