// Package httpbase is what writ's two HTTP front ends, the JSON API
// (httpapi) and the web application (web), do alike: the HTTP status of
// each error code, and the address a request came from. Both import it,
// and neither imports the other.
package httpbase

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"writ"
)

// Status maps each error code to its one HTTP status, for the API's answers
// and the pages alike.
func Status(code string) int {
	switch code {
	case writ.EINVALID:
		return http.StatusBadRequest
	case writ.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case writ.EFORBIDDEN:
		return http.StatusForbidden
	case writ.ENOTFOUND:
		return http.StatusNotFound
	case writ.ECONFLICT:
		return http.StatusConflict
	case writ.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case writ.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case writ.ETOOMANY:
		return http.StatusTooManyRequests
	case writ.ESTORAGE:
		return http.StatusInsufficientStorage
	case writ.EGONE:
		return http.StatusGone
	case writ.EPRECONDITION:
		return http.StatusPreconditionFailed
	case writ.EIFMATCH:
		return http.StatusPreconditionRequired
	case writ.EKEYREUSED:
		// The IETF's Idempotency-Key draft: the key was used with another
		// payload.
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

// ClientIP is the address a request came from: the peer's, unless the
// peer is one of the trusted proxies, in which case the nearest address in
// X-Forwarded-For that is not a trusted proxy (the header is read from the
// end: a client can put anything at its start).
func ClientIP(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !isTrusted(ip, trusted) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !isTrusted(hop, trusted) {
			return hop.Unmap().String()
		}
	}
	return host
}

func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}
