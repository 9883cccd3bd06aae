package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"writ"
	"writ/httpbase"
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

// authenticate reads the bearer token of a request. An address whose
// tokens keep failing waits before its next request with a token is
// answered (AuthThrottle).
func (s *Server) authenticate(r *http.Request) (writ.Actor, error) {
	ip := httpbase.ClientIP(r, s.proxies)
	if wait := s.authFailures.Blocked(ip, s.now()); wait > 0 {
		return writ.Actor{}, &retryError{wait: wait, err: writ.Errorf(writ.ETOOMANY,
			"too many requests with a missing or invalid token from this address; retry after %s", wait.Round(time.Second))}
	}
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	var u writ.User
	var err error
	if !ok || token == "" {
		err = writ.Errorf(writ.EUNAUTHORIZED, "send an API token: Authorization: Bearer <token>")
	} else {
		u, err = s.identity.Authenticate(r.Context(), strings.TrimSpace(token))
	}
	if err != nil {
		// A token that is not one counts; no token at all is a client
		// that forgot it, and guesses nothing.
		if ok && token != "" && writ.ErrorCode(err) == writ.EUNAUTHORIZED {
			s.authFailures.Fail(ip, s.now())
		}
		return writ.Actor{}, err
	}
	return writ.ActorOf(u), nil
}

// retryError is an error whose answer says when to retry.
type retryError struct {
	wait time.Duration
	err  error
}

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }
