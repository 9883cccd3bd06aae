package identity

import (
	"cmp"
	"context"
	"fmt"

	"writ"
	"writ/store"
)

// ConfirmSecondFactor checks a code of the signed-in user's authenticator
// app, entered again to confirm a grave act (a custodian's signature of a
// certificate of authenticity): a session that took the second factor
// hours ago proves less than a code typed now. A code is accepted once,
// as at sign-in, and a wrong one counts against the account's sign-in
// throttle. EINVALID naming code for a wrong or used code; ECONFLICT when
// the user has no second factor; ETOOMANY while the throttle holds.
// Recovery codes do not confirm: they are for getting back in.
func (s *Service) ConfirmSecondFactor(ctx context.Context, actor writ.Actor, code string) error {
	var refusal error
	err := s.records.Update(ctx, func(tx *store.Tx) error {
		now := s.now()
		c, err := tx.LockCredentials(ctx, actor.UserID)
		if err != nil {
			return err
		}
		if c.TOTPSecret == "" {
			refusal = writ.Errorf(writ.ECONFLICT, "set up an authenticator app on your account first: signing needs a code of it")
			return nil
		}
		keys := []store.ThrottleKey{{Scope: "account", Subject: c.User.Email}}
		states, err := tx.LockThrottles(ctx, keys)
		if err != nil {
			return err
		}
		if wait, k := throttled(states, now); wait > 0 {
			refusal = throttledError(k, wait)
			return nil
		}
		key, err := decodeTOTPSecret(c.TOTPSecret)
		if err != nil {
			return fmt.Errorf("identity: confirm: user %d: %w", c.User.ID, err)
		}
		step := matchTOTP(key, code, now, c.TOTPLastStep)
		if step == 0 {
			refusal = writ.FieldErrorf("code", "wrong or already used code: enter the 6-digit code your authenticator app shows now")
			return chargeFailure(ctx, tx, states, now)
		}
		return tx.SetTOTPLastStep(ctx, c.User.ID, step)
	})
	return cmp.Or(err, refusal)
}
