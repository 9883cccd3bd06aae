// Package ops is what an operator running writ needs of its HTTP server:
// a request id on every request and in every log line about it, the
// choice of log format, Prometheus metrics (requests by route and status,
// and the database's counts read at scrape time), and the health
// endpoints /livez and /readyz.
package ops

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
)

// RequestIDHeader carries a request's id in the answer, and from a proxy
// that made one in the request.
const RequestIDHeader = "X-Request-Id"

// wellFormedID is an id writ takes from a request: 8 to 128 letters,
// digits and . _ : - (a UUID, HAProxy's unique-id, a hex string). Anything
// else is replaced, so that no caller can put text of its choice into
// the logs.
var wellFormedID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$`)

type requestKey struct{}

// request is what the middleware learns of a request while it is served.
type request struct {
	id    string
	route string // the pattern that matched, noted by NoteRoute
}

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	if rq, ok := ctx.Value(requestKey{}).(*request); ok {
		return rq.id
	}
	return ""
}

// NoteRoute records the pattern of the route that serves r (r.Pattern, set
// by the http.ServeMux that chose the handler) as the request's route in
// the metrics; a handler registered on a ServeMux calls it first.
func NoteRoute(r *http.Request) {
	if rq, ok := r.Context().Value(requestKey{}).(*request); ok && r.Pattern != "" {
		rq.route = r.Pattern
	}
}

// newID makes a request id: 16 random bytes in hex.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// withRequest gives r an id (its own X-Request-Id if well-formed, else a
// new one), sets it on the answer, and returns r with it in its context.
func withRequest(w http.ResponseWriter, r *http.Request) (*http.Request, *request) {
	id := r.Header.Get(RequestIDHeader)
	if !wellFormedID.MatchString(id) {
		id = newID()
	}
	w.Header().Set(RequestIDHeader, id)
	rq := &request{id: id}
	return r.WithContext(context.WithValue(r.Context(), requestKey{}, rq)), rq
}

// NewLogger returns the server's logger writing to out in format "text"
// (logfmt-like key=value) or "json" (one object a line, for log shippers).
// Every record logged with a request's context carries its request_id.
func NewLogger(out io.Writer, format string) (*slog.Logger, error) {
	var h slog.Handler
	switch format {
	case "text":
		h = slog.NewTextHandler(out, nil)
	case "json":
		h = slog.NewJSONHandler(out, nil)
	default:
		return nil, fmt.Errorf("log format %q: must be text or json", format)
	}
	return slog.New(requestIDHandler{h}), nil
}

// requestIDHandler adds the request id of a record's context.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id := RequestID(ctx); id != "" {
		rec.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
