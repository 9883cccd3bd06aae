package sealing_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"writ"
	"writ/identity"
	"writ/sealing"
	"writ/store"
	"writ/store/storetest"
)

var ctx = context.Background()

// fixture is the store's fixture opened with keys the test holds, to
// rotate them, and a raw connection to its database, to see what is
// stored.
type fixture struct {
	*storetest.Fixture
	keys    *sealing.Keys
	keyFile string
	raw     *storetest.Raw
}

// eachDatabase runs fn on a fresh fixture on each database writ runs on.
func eachDatabase(t *testing.T, fn func(*testing.T, *fixture)) {
	for _, db := range storetest.Databases() {
		t.Run(db.Name, func(t *testing.T) {
			dsn := db.Migrated(t)
			f := &fixture{keyFile: filepath.Join(t.TempDir(), "documents.key")}
			var err error
			if f.keys, err = sealing.LoadOrCreateKeys(f.keyFile); err != nil {
				t.Fatal(err)
			}
			f.Fixture = storetest.NewFixture(t, func(t *testing.T, now func() time.Time) *store.Store {
				return storetest.OpenAt(t, dsn, now, func(o *store.Options) { o.DocumentKeys = f.keys })
			})
			f.raw = storetest.NewRaw(t, dsn)
			fn(t, f)
		})
	}
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

const testPassword = "correct horse battery staple"

// credentials gives a fixture user a password and a TOTP secret, and
// returns the address and the secret.
func credentials(t *testing.T, f *fixture, a writ.Actor) (string, string) {
	t.Helper()
	check(t, f.Identity.SetPassword(ctx, writ.System(), a.UserID, testPassword))
	u, err := f.Store.User(ctx, a.UserID)
	check(t, err)
	secret, err := identity.NewTOTPSecret()
	check(t, err)
	check(t, f.Identity.SetTOTP(ctx, writ.System(), a.UserID, secret))
	return u.Email, secret
}

// signIn signs in with a password and the secret's code of now.
func signIn(t *testing.T, f *fixture, email, secret string) {
	t.Helper()
	in, err := f.Identity.PasswordSignIn(ctx, email, testPassword, "")
	check(t, err)
	code, _ := identity.TOTPCode(secret, f.Clock.Now())
	_, err = f.Identity.SecondFactorSignIn(ctx, in.Token, code, "")
	check(t, err)
}
