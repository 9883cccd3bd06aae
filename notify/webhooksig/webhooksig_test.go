package webhooksig

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzVerify drives the webhook signature check with arbitrary headers and
// bodies: it never panics, accepts only what Sign produced for exactly that
// body and a fresh time, and refuses everything else with one of its errors.
func FuzzVerify(f *testing.F) {
	secret := []byte("whsec_test")
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	f.Add(Sign(secret, now, []byte(`{"id":1}`)), []byte(`{"id":1}`))
	f.Add("t=1,v1=zz", []byte("x"))
	f.Add("v1=00,t=abc,,=", []byte{})
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		err := Verify(secret, header, body, now, DefaultTolerance)
		if err == nil {
			if header != Sign(secret, now, body) && !acceptsAnotherForm(header, body, secret, now) {
				t.Fatalf("accepted a header Sign did not make: %q for %q", header, body)
			}
			return
		}
		if !errors.Is(err, ErrNoSignature) && !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrStale) {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// acceptsAnotherForm reports whether an accepted header still carries the
// correct HMAC for the body at a time within the tolerance — a reordered
// or padded header, or one with an extra signature, is acceptable; a wrong
// MAC never is.
func acceptsAnotherForm(header string, body, secret []byte, now time.Time) bool {
	for d := -DefaultTolerance; d <= DefaultTolerance; d += time.Second {
		if Verify(secret, Sign(secret, now.Add(d), body), body, now, DefaultTolerance) == nil &&
			Verify(secret, header, body, now.Add(d), 0) == nil {
			return true
		}
	}
	return false
}

func TestVerify(t *testing.T) {
	secret := []byte("whsec_test")
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	body := []byte(`{"event":"notice","id":"n-1"}`)
	good := Sign(secret, now, body)
	cases := []struct {
		name   string
		header string
		body   []byte
		at     time.Time
		want   error
	}{
		{"fresh and intact", good, body, now.Add(time.Minute), nil},
		{"another body", good, []byte(`{"event":"notice","id":"n-2"}`), now, ErrBadSignature},
		{"another secret", Sign([]byte("other"), now, body), body, now, ErrBadSignature},
		{"replayed later", good, body, now.Add(DefaultTolerance + time.Second), ErrStale},
		{"no header", "", body, now, ErrNoSignature},
		{"no timestamp", "v1=00", body, now, ErrNoSignature},
	}
	for _, c := range cases {
		if err := Verify(secret, c.header, c.body, c.at, DefaultTolerance); !errors.Is(err, c.want) && !(c.want == nil && err == nil) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// TestSignatures checks a signature made at a known time: its header's
// form, and what Verify accepts and refuses of it.
func TestSignatures(t *testing.T) {
	secret := []byte("whsec_" + strings.Repeat("s", 40))
	at := time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC)
	body := []byte(`{"id":"writ-job-7","type":"notice"}`)
	header := Sign(secret, at, body)
	if !strings.HasPrefix(header, "t=1795183200,v1=") {
		t.Fatalf("header %q", header)
	}
	cases := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"valid", secret, header, body, at.Add(time.Minute), nil},
		{"another body", secret, header, []byte(`{"id":"writ-job-8","type":"notice"}`), at, ErrBadSignature},
		{"another secret", []byte("other"), header, body, at, ErrBadSignature},
		{"replayed later", secret, header, body, at.Add(6 * time.Minute), ErrStale},
		{"from the future", secret, header, body, at.Add(-6 * time.Minute), ErrStale},
		{"timestamp changed", secret, strings.Replace(header, "t=1795183200", "t=1795183500", 1), body, at, ErrBadSignature},
		{"no header", secret, "", body, at, ErrNoSignature},
		{"second signature matches", secret, "t=1795183200,v1=00," + strings.TrimPrefix(header, "t=1795183200,"), body, at, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Verify(c.secret, c.header, c.body, c.now, DefaultTolerance)
			if c.want == nil && err != nil || c.want != nil && (err == nil || !strings.Contains(err.Error(), c.want.Error())) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}
