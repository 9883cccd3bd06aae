package store_test

import (
	"context"
	"strings"
	"testing"

	"writ"
	"writ/store"
	"writ/store/storetest"
)

// Secrets stored in plain text before sealing was introduced are sealed
// when the database is migrated, and still work after.
func TestPlaintextSecretsAreSealedOnMigrate(t *testing.T) {
	for _, db := range []struct {
		name string
		open storetest.Opener
	}{{"SQLite", storetest.SQLite}, {"Postgres", storetest.Postgres}} {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			f := storetest.NewFixture(t, db.open)
			secret, err := store.NewTOTPSecret()
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []struct {
				query string
				args  []any
			}{
				{`UPDATE users SET totp_secret = ? WHERE id = ?`, []any{secret, f.Reviewer.UserID}},
				{`UPDATE customers SET webhook_url = 'https://hooks.example/w', webhook_secret = ? WHERE id = ?`, []any{"whsec_" + strings.Repeat("p", 40), f.Consumer.ID}},
			} {
				if err := store.ExecRaw(f.Store, q.query, q.args...); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := f.Store.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var totp, hook string
			if err := store.QueryRaw(f.Store, `SELECT totp_secret FROM users WHERE id = ?`, &totp, f.Reviewer.UserID); err != nil {
				t.Fatal(err)
			}
			if err := store.QueryRaw(f.Store, `SELECT webhook_secret FROM customers WHERE id = ?`, &hook, f.Consumer.ID); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(totp, "sealed:v1:") || !strings.HasPrefix(hook, "sealed:v1:") || strings.Contains(hook, "ppp") {
				t.Fatalf("after migrating, the secrets are %q and %q", totp, hook)
			}
			// The sealed TOTP secret still signs the reviewer in.
			if err := f.Store.SetPassword(ctx, writ.System(), f.Reviewer.UserID, "correct horse battery staple"); err != nil {
				t.Fatal(err)
			}
			u, _ := f.Store.User(ctx, f.Reviewer.UserID)
			in, err := f.Store.PasswordSignIn(ctx, u.Email, "correct horse battery staple", "")
			if err != nil {
				t.Fatal(err)
			}
			code, _ := store.TOTPCode(secret, f.Clock.Now())
			if _, err := f.Store.SecondFactorSignIn(ctx, in.Token, code, ""); err != nil {
				t.Fatal(err)
			}
		})
	}
}
