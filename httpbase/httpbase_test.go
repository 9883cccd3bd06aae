package httpbase

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"writ"
)

// Every error code has its own status, the API's answers and the pages
// alike; anything else is an internal error.
func TestEachCodeHasItsStatus(t *testing.T) {
	want := map[string]int{
		writ.EINVALID: 400, writ.EUNAUTHORIZED: 401, writ.EFORBIDDEN: 403, writ.ENOTFOUND: 404, writ.ECONFLICT: 409,
		writ.ETOOLARGE: 413, writ.ETOOMANY: 429, writ.EINTERNAL: 500, writ.EUNAVAILABLE: 503, writ.ESTORAGE: 507, "EUNKNOWN": 500,
	}
	for code, status := range want {
		if got := Status(code); got != status {
			t.Errorf("%s: %d, want %d", code, got, status)
		}
	}
}

// A client cannot pick its address: X-Forwarded-For is believed only from
// a trusted proxy, read from its end, up to the first address that is not
// a trusted proxy.
func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, c := range []struct {
		name, peer, forwarded string
		trusted               []netip.Prefix
		want                  string
	}{
		{"no proxy", "203.0.113.9:4000", "198.51.100.1", nil, "203.0.113.9"},
		{"a peer that is no trusted proxy", "203.0.113.9:4000", "198.51.100.1", proxies, "203.0.113.9"},
		{"behind a trusted proxy", "10.0.0.2:4000", "198.51.100.1", proxies, "198.51.100.1"},
		{"a client's own header is not believed", "10.0.0.2:4000", "192.0.2.66, 198.51.100.1", proxies, "198.51.100.1"},
		{"behind two trusted proxies", "10.0.0.2:4000", "198.51.100.1, 10.0.0.3", proxies, "198.51.100.1"},
		{"an IPv4-mapped address", "10.0.0.2:4000", "::ffff:198.51.100.1", proxies, "198.51.100.1"},
		{"a hop that is no address", "10.0.0.2:4000", "198.51.100.1, nonsense", proxies, "10.0.0.2"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = c.peer
		r.Header.Set("X-Forwarded-For", c.forwarded)
		if got := ClientIP(r, c.trusted); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
