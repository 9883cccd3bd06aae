package httpapi

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"writ"
	"writ/auditlog"
	"writ/store/storetest"
)

func TestSecurityHeadersAndLimits(t *testing.T) {
	f := storetest.NewFixture(t, storetest.SQLite)
	key, err := auditlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "log.key"), "writ.test/log")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Store: f.Store, Identity: f.Identity, Rules: f.Store.Rules(), Now: f.Clock.Now, LogKey: key})
	issued, err := f.Identity.CreateToken(t.Context(), f.Reviewer, f.Reviewer.UserID, writ.TokenInput{Label: "t"})
	token := issued.Secret
	if err != nil {
		t.Fatal(err)
	}
	get := func(srv *httptest.Server, auth string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/v1/me", nil)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}

	t.Run("headers", func(t *testing.T) {
		srv := httptest.NewServer(s.Hardened(Limits{}, false))
		defer srv.Close()
		res := get(srv, token)
		for name, want := range map[string]string{
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
			"Referrer-Policy":         "no-referrer",
		} {
			if got := res.Header.Get(name); got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
		if res.Header.Get("Strict-Transport-Security") != "" {
			t.Error("HSTS over plain HTTP")
		}
	})
	t.Run("HSTS over TLS", func(t *testing.T) {
		srv := httptest.NewTLSServer(s.Hardened(Limits{}, true))
		defer srv.Close()
		if got := get(srv, token).Header.Get("Strict-Transport-Security"); got != "max-age=63072000; includeSubDomains" {
			t.Fatalf("HSTS = %q", got)
		}
	})
	t.Run("per token", func(t *testing.T) {
		srv := httptest.NewServer(s.Hardened(Limits{PerToken: 5}, false))
		defer srv.Close()
		// The clock stands still, so the bucket holds its burst of 10.
		for i := range 10 {
			if res := get(srv, token); res.StatusCode != 200 {
				t.Fatalf("request %d: %d", i, res.StatusCode)
			}
		}
		res := get(srv, token)
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "1" {
			t.Fatalf("11th request: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
		}
		// Another token is not held back by the first.
		issuedOther, err := f.Identity.CreateToken(t.Context(), f.Auditor, f.Auditor.UserID, writ.TokenInput{Label: "t"})
		other := issuedOther.Secret
		if err != nil {
			t.Fatal(err)
		}
		if res := get(srv, other); res.StatusCode != 200 {
			t.Fatalf("another token: %d", res.StatusCode)
		}
		// Time passing refills the bucket.
		f.Clock.Advance(1e9)
		if res := get(srv, token); res.StatusCode != 200 {
			t.Fatalf("after a second: %d", res.StatusCode)
		}
	})
	t.Run("per address", func(t *testing.T) {
		srv := httptest.NewServer(s.Hardened(Limits{PerIP: 2}, false))
		defer srv.Close()
		for i := range 4 {
			if res := get(srv, "writ_not-a-token-"+string(rune('a'+i))); res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("request %d: %d", i, res.StatusCode)
			}
		}
		if res := get(srv, "writ_yet-another"); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("guessing tokens from one address is not limited: %d", res.StatusCode)
		}
	})
}
