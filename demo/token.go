package demo

import (
	"context"

	"writ"
	"writ/identity"
	"writ/store"
)

// Token issues a new API token for the demo user of role, in a store the
// demo data set was loaded into: ENOTFOUND before it was.
func Token(ctx context.Context, st *store.Store, role writ.Role) (string, error) {
	for _, du := range users() {
		if du.role != role {
			continue
		}
		u, err := st.UserByEmail(ctx, du.email)
		if writ.ErrorCode(err) == writ.ENOTFOUND {
			return "", writ.Errorf(writ.ENOTFOUND, "there is no demo %s here: run \"writ demo\" first", role)
		}
		if err != nil {
			return "", err
		}
		// A year, as Load's: drills move the demo's clock months ahead.
		t, err := identity.New(st).CreateToken(ctx, writ.System(), u.ID, writ.TokenInput{Label: "demo", ExpiresInDays: writ.MaxTokenDays})
		return t.Secret, err
	}
	return "", writ.FieldErrorf("token", "no demo user has the role %q (one of admin, reviewer, approver, auditor, agency, customer)", role)
}
