package identity

import (
	"strings"
	"testing"
	"time"
)

// The SHA-1 test vectors of RFC 6238 Appendix B (8 digits, the 20-byte
// ASCII secret "12345678901234567890").
func TestTOTPMatchesRFC6238(t *testing.T) {
	key := []byte("12345678901234567890")
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	} {
		if got := totpAt(key, totpStep(time.Unix(tc.unix, 0)), 8); got != tc.want {
			t.Errorf("T=%d: %s, want %s", tc.unix, got, tc.want)
		}
	}
	secret := totpEncoding.EncodeToString(key)
	code, err := TOTPCode(strings.ToLower(secret), time.Unix(59, 0))
	if err != nil || code != "287082" {
		t.Fatalf("6-digit code %q (%v), want 287082", code, err)
	}
}

// A code is accepted one step either side of now, once, and not after a
// later one was used.
func TestTOTPWindowAndReplay(t *testing.T) {
	key := []byte("12345678901234567890")
	now := time.Unix(1111111111, 0)
	step := totpStep(now)
	for d, want := range map[int64]bool{-2: false, -1: true, 0: true, 1: true, 2: false} {
		code := totpAt(key, uint64(int64(step)+d), 6)
		if got := matchTOTP(key, code, now, 0) != 0; got != want {
			t.Errorf("step %+d: accepted %v, want %v", d, got, want)
		}
	}
	code := totpAt(key, step, 6)
	if matchTOTP(key, code, now, step) != 0 {
		t.Error("a used code was accepted again")
	}
	if matchTOTP(key, "12345", now, 0) != 0 || matchTOTP(key, "", now, 0) != 0 {
		t.Error("a malformed code was accepted")
	}
	uri := TOTPURI("rhea@provider.example", "JBSWY3DPEHPK3PXP")
	if !strings.HasPrefix(uri, "otpauth://totp/writ:rhea@provider.example?") || !strings.Contains(uri, "secret=JBSWY3DPEHPK3PXP") ||
		!strings.Contains(uri, "issuer=writ") || !strings.Contains(uri, "digits=6") || !strings.Contains(uri, "period=30") {
		t.Fatalf("otpauth URI %s", uri)
	}
}

func TestPasswordHashes(t *testing.T) {
	h, err := hashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !checkPassword(h, "correct horse battery staple") || checkPassword(h, "correct horse battery stapl") {
		t.Fatal("checkPassword disagrees with hashPassword")
	}
	h2, _ := hashPassword("correct horse battery staple")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=0,t=2,p=1$c2FsdA$aGFzaA", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"} {
		if checkPassword(bad, "") || checkPassword(bad, "plain") {
			t.Fatalf("malformed hash %q matched", bad)
		}
	}
	if checkPassword(decoyHash, "") || !strings.HasPrefix(decoyHash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatal("the decoy hash must be well-formed and match nothing a user types")
	}
}
