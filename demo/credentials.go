package demo

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"fmt"

	"writ"
	"writ/identity"
)

// Password is every demo user's password for the web application. It is
// published, like the demo TOTP secrets: the demo data set is for trying
// writ out, never for real cases.
const Password = "writ-demo-password"

// Credential is how a demo user signs in to the web application.
type Credential struct {
	Role     writ.Role
	Name     string
	Email    string
	Password string
	// TOTPSecret is the base32 secret of the user's second factor, empty
	// for agency and customer users, who sign in with a password only.
	TOTPSecret string
}

// Credentials lists the demo users' sign-ins, one per role.
func Credentials() []Credential {
	var out []Credential
	for _, u := range users() {
		c := Credential{Role: u.role, Name: u.name, Email: u.email, Password: Password}
		if identity.NeedsSecondFactor(u.role) {
			c.TOTPSecret = demoSecret(u.email)
		}
		out = append(out, c)
	}
	return out
}

// demoSecret derives a demo user's TOTP secret from the address, so that
// every demo database gives the same user the same, documented secret.
func demoSecret(email string) string {
	sum := sha256.Sum256([]byte("writ demo totp " + email))
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:20])
}

// setCredentials gives the demo user of u its password and second factor.
func setCredentials(ctx context.Context, identities *identity.Service, u writ.User) error {
	for _, c := range Credentials() {
		if c.Email != u.Email {
			continue
		}
		if err := identities.SetPassword(ctx, writ.System(), u.ID, c.Password); err != nil {
			return fmt.Errorf("demo user %s: %w", u.Email, err)
		}
		if c.TOTPSecret != "" {
			if err := identities.SetTOTP(ctx, writ.System(), u.ID, c.TOTPSecret); err != nil {
				return fmt.Errorf("demo user %s: %w", u.Email, err)
			}
		}
	}
	return nil
}
