// Package safedial makes HTTP clients that reach only the public internet,
// for requests to addresses someone outside the provider chose (a
// customer's webhook). An address is checked when the connection is made,
// after DNS has resolved the name, so a name that resolves to an internal
// address — at first or only on a later lookup — is refused as well as the
// address written out. Redirects are never followed: a public endpoint
// could otherwise send writ on to an internal one.
//
// Limits: requests go direct, never through an HTTP proxy from the
// environment (a proxy would make the connection writ cannot check).
package safedial

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// Policy says which addresses a client may connect to: public unicast
// addresses only, and loopback when AllowLoopback is set (for tests and
// demos on one machine).
type Policy struct {
	AllowLoopback bool
}

// RefusedError is a connection refused by the policy before it was made.
type RefusedError struct {
	Addr   netip.Addr
	Reason string // "loopback", "private", ...
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s is a %s address, not a public one", e.Addr, e.Reason)
}

// ErrRedirect is returned for an answer that redirects elsewhere.
var ErrRedirect = errors.New("the answer is a redirect, which is not followed")

// nonPublic are the ranges no request from outside the provider may reach,
// besides what netip classifies itself (loopback, private, link-local,
// multicast, unspecified).
var nonPublic = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this-network"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (carrier-grade NAT)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "protocol-assignment"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use translation"},
}

// nat64 embeds an IPv4 address in the last 32 bits: it is judged by that.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// Check returns nil when p allows a connection to a, else a *RefusedError.
func (p Policy) Check(a netip.Addr) error {
	a = a.Unmap()
	if nat64.Contains(a) {
		b := a.As16()
		a = netip.AddrFrom4([4]byte(b[12:]))
	}
	reason := ""
	switch {
	case !a.IsValid():
		reason = "invalid"
	case a.IsUnspecified():
		reason = "unspecified"
	case a.IsLoopback():
		if p.AllowLoopback {
			return nil
		}
		reason = "loopback"
	case a.IsPrivate():
		reason = "private"
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		reason = "link-local"
	case a.IsMulticast(), a.IsInterfaceLocalMulticast():
		reason = "multicast"
	case a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		reason = "broadcast"
	}
	for _, r := range nonPublic {
		if reason == "" && r.prefix.Contains(a) {
			reason = r.reason
		}
	}
	if reason != "" {
		return &RefusedError{Addr: a, Reason: reason}
	}
	return nil
}

// control checks the address a connection is about to be made to.
func (p Policy) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &RefusedError{Reason: "unparsable"}
	}
	return p.Check(ap.Addr())
}

// Client returns an HTTP client that connects only where p allows, follows
// no redirect (the redirecting answer is returned with ErrRedirect) and
// gives up after timeout.
func (p Policy) Client(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, Control: p.control}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
	}
	return &http.Client{
		Transport:     transport,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return ErrRedirect },
	}
}
