package webhooksig

import (
	"errors"
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
