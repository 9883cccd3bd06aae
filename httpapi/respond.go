package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"writ"
	"writ/httpapi/jsonbody"
	"writ/httpbase"
	"writ/store"
)

// maxBody is the largest JSON body the API reads.
const maxBody = 1 << 20

var errNoRoute = writ.Errorf(writ.ENOTFOUND, "no such API route")

// errorBody is the API's error format.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// writeError answers with err in the API's format. Internal errors are
// logged with their text and answered with a generic message.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	err = store.Classify(err)
	code := writ.ErrorCode(err)
	var e *writ.Error
	detail := errorDetail{Code: code, Message: writ.ErrorMessage(err)}
	if errors.As(err, &e) {
		detail.Message, detail.Field = e.Message, e.Field
	}
	switch code {
	case writ.EINTERNAL:
		s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	case writ.EUNAVAILABLE:
		s.log.WarnContext(r.Context(), "database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "5")
	case writ.EUNAUTHORIZED:
		w.Header().Set("WWW-Authenticate", `Bearer realm="writ"`)
	case writ.ETOOMANY:
		var retry *retryError
		if errors.As(err, &retry) {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(retry.wait.Seconds()))))
		}
	}
	writeJSON(w, httpbase.Status(code), errorBody{detail})
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error":{"code":"EINTERNAL","message":"internal error"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// decodeJSON reads a JSON body into v strictly: an unknown field, a value
// of the wrong type, trailing data or an oversized body is an error naming
// the field where there is one.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	return jsonbody.Decode(body, v)
}

// readBody reads a JSON request body of at most maxBody bytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return readBodyUpTo(w, r, maxBody)
}

// readBodyUpTo reads a JSON request body of at most limit bytes.
func readBodyUpTo(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, writ.FieldErrorf("Content-Type", "send JSON with Content-Type: application/json, not %q", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, &writ.Error{Code: writ.ETOOLARGE, Message: fmt.Sprintf("the body is larger than %d bytes", limit)}
		}
		return nil, writ.Errorf(writ.EINVALID, "could not read the body")
	}
	if err := jsonbody.Check(body, nil); err != nil {
		return nil, err
	}
	return body, nil
}

// pathID reads a numeric path parameter.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, writ.FieldErrorf(name, "not an id: %q", r.PathValue(name))
	}
	return id, nil
}
