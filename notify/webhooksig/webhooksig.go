// Package webhooksig signs the webhook requests writ sends and verifies
// them as a customer's receiver does: an HMAC-SHA256 of the timestamp and
// the body, keyed with the customer's secret, in the Writ-Signature
// header. It imports nothing of writ's, so that its fuzz target builds
// small.
package webhooksig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The headers of a webhook request. The signature covers the timestamp and
// the body, and the body names the event id, so neither can be changed or
// replayed under another time.
const (
	SignatureHeader = "Writ-Signature" // t=UNIX-SECONDS,v1=HEX-HMAC-SHA256
	EventIDHeader   = "Writ-Event-Id"  // the same on every retry of one event
	EventTypeHeader = "Writ-Event-Type"
)

// DefaultTolerance is how old a signed request may be when it is verified.
const DefaultTolerance = 5 * time.Minute

// Sign returns the Writ-Signature header value for body sent at t: the
// HMAC-SHA256, keyed with the customer's secret, of "t.body" where t is
// the Unix time in seconds.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// Errors of Verify.
var (
	ErrNoSignature  = errors.New("webhooksig: no valid Writ-Signature header")
	ErrBadSignature = errors.New("webhooksig: the signature does not match the body")
	ErrStale        = errors.New("webhooksig: the signed timestamp is outside the tolerance")
)

// Verify checks a Writ-Signature header against the raw body as received,
// with the customer's secret, at now: the signature must match and its
// timestamp lie within tolerance of now. It accepts any of several v1
// signatures (writ sends one; a secret being rotated may give two). A
// receiver that also remembers the Writ-Event-Id of requests it accepted
// within the tolerance rejects replays entirely.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrNoSignature
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		ok = ok || hmac.Equal(s, want)
	}
	if !ok {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: signed %s ago", ErrStale, d.Round(time.Second))
	}
	return nil
}
