package identity

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// TOTP is RFC 6238 as every authenticator app implements it: HMAC-SHA-1,
// 30-second steps from the Unix epoch, 6 digits. The secret is 20 random
// bytes (RFC 4226's recommended length), shown to people in unpadded
// base32.
const (
	totpPeriod = 30
	totpDigits = 6
	// totpSkew is how many steps either side of now a code is accepted
	// in, for clocks that drift and people who type slowly.
	totpSkew = 1
)

var totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a fresh TOTP secret in base32.
func NewTOTPSecret() (string, error) {
	var raw [20]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	return totpEncoding.EncodeToString(raw[:]), nil
}

// decodeTOTPSecret reads a base32 secret as people copy it: any case,
// with spaces or padding.
func decodeTOTPSecret(secret string) ([]byte, error) {
	s := strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "=", "").Replace(secret))
	key, err := totpEncoding.DecodeString(s)
	if err != nil || len(key) < 10 {
		return nil, fmt.Errorf("not a base32 TOTP secret of at least 80 bits")
	}
	return key, nil
}

// totpAt is the code of key for time step n with the given number of
// digits (RFC 4226 §5.3 dynamic truncation).
func totpAt(key []byte, n uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], n)
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, v%mod)
}

// totpStep is the time step t falls in.
func totpStep(t time.Time) uint64 { return uint64(t.Unix()) / totpPeriod }

// TOTPCode returns the 6-digit code of a base32 secret at time t, as an
// authenticator app shows it. Tests and the demo use it to sign in.
func TOTPCode(secret string, t time.Time) (string, error) {
	key, err := decodeTOTPSecret(secret)
	if err != nil {
		return "", err
	}
	return totpAt(key, totpStep(t), totpDigits), nil
}

// matchTOTP returns the time step whose code equals code, within the
// allowed skew of now and after the step last used (a code is good once:
// one seen over a shoulder or in a log cannot be replayed), or 0.
func matchTOTP(key []byte, code string, now time.Time, lastStep uint64) uint64 {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != totpDigits {
		return 0
	}
	step := totpStep(now)
	for d := -totpSkew; d <= totpSkew; d++ {
		n := uint64(int64(step) + int64(d))
		if n <= lastStep {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(totpAt(key, n, totpDigits)), []byte(code)) == 1 {
			return n
		}
	}
	return 0
}

// TOTPURI is the otpauth:// URI an authenticator app reads (as a QR code
// or pasted) to enrol secret for account.
func TOTPURI(account, secret string) string {
	label := url.PathEscape("writ:" + account)
	q := url.Values{}
	q.Set("secret", secret)
	q.Set("issuer", "writ")
	q.Set("algorithm", "SHA1")
	q.Set("digits", fmt.Sprint(totpDigits))
	q.Set("period", fmt.Sprint(totpPeriod))
	return "otpauth://totp/" + label + "?" + q.Encode()
}
