package sealing_test

import (
	"strings"
	"testing"

	"writ"
	"writ/identity"
	"writ/store"
)

// TOTP and webhook secrets are sealed at rest with the documents key and
// sealed anew when it is rotated.
func TestSecretsAreSealedAndRotated(t *testing.T) { eachDatabase(t, testSealedSecrets) }

func testSealedSecrets(t *testing.T, f *fixture) {
	email, secret := credentials(t, f, f.Reviewer)
	webhook := "whsec_" + strings.Repeat("w", 40)
	_, err := f.Store.UpdateNoticeChannels(ctx, f.Admin, f.Consumer.ID, store.NoticeChannels{WebhookURL: "https://hooks.example/writ", WebhookSecret: webhook})
	check(t, err)
	stored := func() (string, string) {
		var totp, hook string
		check(t, f.raw.Query(`SELECT totp_secret FROM users WHERE id = $1`, &totp, f.Reviewer.UserID))
		check(t, f.raw.Query(`SELECT webhook_secret FROM customers WHERE id = $1`, &hook, f.Consumer.ID))
		return totp, hook
	}
	totp, hook := stored()
	for _, v := range []string{totp, hook} {
		if !strings.HasPrefix(v, "sealed:v1:") || strings.Contains(v, secret) || strings.Contains(v, webhook) {
			t.Fatalf("a secret is stored as %q", v)
		}
	}
	_, err = f.keys.Rotate(ctx, f.Store)
	check(t, err)
	totp2, hook2 := stored()
	if totp2 == totp || hook2 == hook || totp2[:19] == totp[:19] {
		t.Fatalf("rotation left the secrets sealed with the old key: %q %q", totp2[:19], hook2[:19])
	}
	// Still usable with the new key alone.
	signIn(t, f, email, secret)
}

// Secrets stored in plain text before sealing was introduced are sealed
// when the database is migrated, and still work after.
func TestPlaintextSecretsAreSealedOnMigrate(t *testing.T) {
	eachDatabase(t, func(t *testing.T, f *fixture) {
		secret, err := identity.NewTOTPSecret()
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []struct {
			query string
			args  []any
		}{
			{`UPDATE users SET totp_secret = $1 WHERE id = $2`, []any{secret, f.Reviewer.UserID}},
			{`UPDATE customers SET webhook_url = 'https://hooks.example/w', webhook_secret = $1 WHERE id = $2`, []any{"whsec_" + strings.Repeat("p", 40), f.Consumer.ID}},
		} {
			if err := f.raw.Exec(q.query, q.args...); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.Store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var totp, hook string
		if err := f.raw.Query(`SELECT totp_secret FROM users WHERE id = $1`, &totp, f.Reviewer.UserID); err != nil {
			t.Fatal(err)
		}
		if err := f.raw.Query(`SELECT webhook_secret FROM customers WHERE id = $1`, &hook, f.Consumer.ID); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(totp, "sealed:v1:") || !strings.HasPrefix(hook, "sealed:v1:") || strings.Contains(hook, "ppp") {
			t.Fatalf("after migrating, the secrets are %q and %q", totp, hook)
		}
		// The sealed TOTP secret still signs the reviewer in.
		check(t, f.Identity.SetPassword(ctx, writ.System(), f.Reviewer.UserID, testPassword))
		u, _ := f.Store.User(ctx, f.Reviewer.UserID)
		signIn(t, f, u.Email, secret)
	})
}
