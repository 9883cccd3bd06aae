package httpapi

import (
	"context"
	"net/http"
	"strings"

	"writ"
)

type actorKey struct{}

func withActor(ctx context.Context, a writ.Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// actorOf returns the authenticated caller; wrap guarantees one on every
// non-public route.
func actorOf(r *http.Request) writ.Actor {
	a, _ := r.Context().Value(actorKey{}).(writ.Actor)
	return a
}

// authenticate reads the bearer token of a request.
func (s *Server) authenticate(r *http.Request) (writ.Actor, error) {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		return writ.Actor{}, writ.Errorf(writ.EUNAUTHORIZED, "send an API token: Authorization: Bearer <token>")
	}
	u, err := s.store.Authenticate(r.Context(), strings.TrimSpace(token))
	if err != nil {
		return writ.Actor{}, err
	}
	return writ.ActorOf(u), nil
}
