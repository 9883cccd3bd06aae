package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"

	"writ"
)

// idempotency is how a creating operation treats an Idempotency-Key.
type idempotency int

const (
	// notIdempotent: the operation takes no key (or, like POST
	// /v1/demands, keeps its keys itself).
	notIdempotent idempotency = iota
	// replayAnswer: a retry with the same key and body gets the first
	// request's answer again (status, body, Location) with
	// Idempotent-Replayed: true.
	replayAnswer
	// refuseReplay: the answer shows a secret once (a new API token), so
	// it is not kept; a retry with the same key and body is 409 ECONFLICT.
	refuseReplay
)

// maxKey is the longest Idempotency-Key accepted.
const maxKey = 200

// storedAnswer is a creating request's answer as kept with its key.
type storedAnswer struct {
	Status int               `json:"status"`
	Header map[string]string `json:"header,omitempty"`
	Body   string            `json:"body,omitempty"`
}

// keptHeaders are the headers of an answer a replay repeats.
var keptHeaders = []string{"Content-Type", "Location", "ETag"}

// idempotent runs a creating operation's handler under the caller's
// Idempotency-Key, if any. The key is kept per user and operation with
// the SHA-256 of the request (its path, query and body) for the store's
// key lifetime: a retry with the same key and request gets the first
// answer without running the handler again; the same key with another
// request is 422 EKEYREUSED; a key whose request is still running is 409
// ECONFLICT. A request that fails (any answer outside 2xx) frees its key.
func (s *Server) idempotent(rt route, w http.ResponseWriter, r *http.Request) error {
	key := r.Header.Get("Idempotency-Key")
	if key == "" || rt.idempotent == notIdempotent {
		return rt.handler(s, w, r)
	}
	if len(key) > maxKey {
		return writ.FieldErrorf("Idempotency-Key", "at most %d characters", maxKey)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, writ.MaxDocumentSize+1))
	if err != nil {
		return writ.Errorf(writ.EINVALID, "could not read the body")
	}
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
	if len(body) > writ.MaxDocumentSize {
		return rt.handler(s, w, r) // refused as too large; nothing to remember
	}
	h := sha256.New()
	io.WriteString(h, r.URL.RequestURI()+"\n")
	h.Write(body)
	hash := hex.EncodeToString(h.Sum(nil))
	user := actorOf(r).UserID
	scoped := rt.method + " " + rt.pattern + " " + key
	claim, err := s.store.ClaimIdempotencyKey(r.Context(), user, scoped, hash)
	if err != nil {
		return err
	}
	if !claim.Claimed {
		return replay(rt, w, claim.Response)
	}
	rec := &recorder{ResponseWriter: w}
	err = rt.handler(s, rec, r)
	ctx := context.WithoutCancel(r.Context())
	if err != nil || rec.status < 200 || rec.status > 299 {
		if rerr := s.store.ReleaseIdempotencyKey(ctx, user, scoped); rerr != nil {
			s.log.Error("release idempotency key", "err", rerr)
		}
		return err
	}
	answer := storedAnswer{Status: rec.status}
	if rt.idempotent == replayAnswer {
		answer.Body = rec.body.String()
		answer.Header = map[string]string{}
		for _, name := range keptHeaders {
			if v := w.Header().Get(name); v != "" {
				answer.Header[name] = v
			}
		}
	}
	kept, _ := json.Marshal(answer)
	if ferr := s.store.FinishIdempotencyKey(ctx, user, scoped, string(kept)); ferr != nil {
		s.log.Error("finish idempotency key", "err", ferr)
	}
	return nil
}

// replay answers a retry from what its first request answered.
func replay(rt route, w http.ResponseWriter, kept string) error {
	if kept == "" {
		return writ.Errorf(writ.ECONFLICT, "a request with this Idempotency-Key is still being handled; retry in a moment")
	}
	if rt.idempotent == refuseReplay {
		return writ.Errorf(writ.ECONFLICT, "a request with this Idempotency-Key already made the token, which is shown only once; revoke it if it was lost and make a new one with a new key")
	}
	var answer storedAnswer
	if err := json.Unmarshal([]byte(kept), &answer); err != nil {
		return err
	}
	for name, v := range answer.Header {
		w.Header().Set(name, v)
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(answer.Status)
	io.WriteString(w, answer.Body)
	return nil
}

// recorder passes an answer through and keeps its status and body.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (rec *recorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	rec.body.Write(p)
	return rec.ResponseWriter.Write(p)
}
