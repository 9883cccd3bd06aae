package identity_test

import (
	"context"
	"testing"
	"time"

	"writ"
	"writ/identity"
)

// A code entered again to confirm a signature is accepted once; a used
// or wrong code is refused naming the field, and a user without an
// authenticator app cannot confirm at all.
func testConfirmSecondFactor(t *testing.T, f *fixture) {
	ctx := context.Background()
	err := f.Identity.ConfirmSecondFactor(ctx, f.Approver, "123456")
	if writ.ErrorCode(err) != writ.ECONFLICT {
		t.Fatalf("without an authenticator app: %v", err)
	}
	secret := f.WithTOTP(t, f.Approver)
	f.Clock.Advance(time.Minute)
	code, err := identity.TOTPCode(secret, f.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Identity.ConfirmSecondFactor(ctx, f.Approver, code); err != nil {
		t.Fatalf("a fresh code: %v", err)
	}
	for _, c := range []string{code, "000000", ""} {
		if err := f.Identity.ConfirmSecondFactor(ctx, f.Approver, c); writ.ErrorCode(err) != writ.EINVALID || writ.ErrorField(err) != "code" {
			t.Fatalf("code %q: %v", c, err)
		}
	}
}
