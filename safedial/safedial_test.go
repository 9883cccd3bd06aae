package safedial

import (
	"net/netip"
	"testing"
)

func TestOnlyPublicAddressesAreAllowed(t *testing.T) {
	refused := map[string]string{
		"127.0.0.1": "loopback", "127.8.9.10": "loopback", "::1": "loopback", "::ffff:127.0.0.1": "loopback",
		"10.1.2.3": "private", "172.16.0.1": "private", "172.31.255.255": "private", "192.168.1.1": "private", "fc00::1": "private", "fd12::1": "private",
		"169.254.169.254": "link-local", "fe80::1": "link-local",
		"0.0.0.0": "unspecified", "::": "unspecified", "0.1.2.3": "this-network",
		"100.64.0.1": "shared (carrier-grade NAT)", "224.0.0.1": "link-local", "239.1.2.3": "multicast", "ff02::1": "link-local", "255.255.255.255": "broadcast",
		"64:ff9b::a00:1": "private", "64:ff9b::7f00:1": "loopback", "198.18.0.1": "benchmarking", "240.0.0.1": "reserved",
	}
	for addr, reason := range refused {
		err := Policy{}.Check(netip.MustParseAddr(addr))
		r, ok := err.(*RefusedError)
		if !ok || r.Reason != reason {
			t.Errorf("%s: %v, want refused as %s", addr, err, reason)
		}
	}
	for _, addr := range []string{"8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "64:ff9b::808:808", "172.32.0.1"} {
		if err := (Policy{}).Check(netip.MustParseAddr(addr)); err != nil {
			t.Errorf("%s: %v, want allowed", addr, err)
		}
	}
	if err := (Policy{AllowLoopback: true}).Check(netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Errorf("loopback with AllowLoopback: %v", err)
	}
	if err := (Policy{AllowLoopback: true}).Check(netip.MustParseAddr("10.0.0.1")); err == nil {
		t.Error("AllowLoopback allows a private address")
	}
}
