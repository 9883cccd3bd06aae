package identity_test

import (
	"context"
	"testing"
	"time"

	"writ"
	"writ/store"
	"writ/store/storetest"
)

// TestIdentity runs identity's tests on each database writ runs on: a
// behaviour that holds on one and not the other is a bug.
func TestIdentity(t *testing.T) {
	tests := []struct {
		name string
		fn   func(*testing.T, *fixture)
	}{
		{"PasswordThenCodeSignsIn", testPasswordThenCode},
		{"EverySignInIsAnEvent", testSignInEvents},
		{"FailuresSlowTheAccountAndTheAddress", testThrottle},
		{"ParallelAttemptsCheckNoMoreThanAllowed", testParallelSignIns},
		{"FailedSignInsAreLoggedInWritsWords", testFailedSignInsAreBounded},
		{"AFloodTakesNoMoreThanTheHashingSlots", testFloodTakesNoMoreThanTheSlots},
		{"AnUnknownAccountCostsOneCheck", testUnknownAccountCostsOneCheck},
		{"EnrolmentWithRecoveryCodes", testEnrolment},
		{"SessionsEndIdleAbsoluteAndOnSignOut", testSessionExpiry},
		{"LegalTeamNeedsASecondFactor", testSecondFactorRequired},
		{"PasswordsAreCheckedAndConfined", testPasswordRules},
		{"AgencyUsersWaitForConfirmation", testAgencyUserConfirmation},
		{"UserValidationNamesTheField", testUserValidation},
		{"TokensForOthersNeedASecondAdmin", testTokensFourEyes},
		{"TokensExpireAndAreRevoked", testTokensEnd},
		{"DeactivatedUsersLoseAllAccess", testDeactivation},
		{"ASignatureConfirmsTheSecondFactorAgain", testConfirmSecondFactor},
	}
	for _, db := range storetest.Databases() {
		t.Run(db.Name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					tt.fn(t, newFixture(t, db))
				})
			}
		})
	}
}

// fixture is the store's fixture, whose Identity the tests exercise, with
// a raw connection to its database to see what is stored.
type fixture struct {
	*storetest.Fixture
	raw *storetest.Raw
}

func newFixture(t *testing.T, db storetest.Database) *fixture {
	t.Helper()
	dsn := db.Migrated(t)
	f := storetest.NewFixture(t, func(t *testing.T, now func() time.Time) *store.Store {
		return storetest.OpenAt(t, dsn, now, nil)
	})
	return &fixture{Fixture: f, raw: storetest.NewRaw(t, dsn)}
}

var ctx = context.Background()

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantCode fails unless err carries the given code (and field, if given).
func wantCode(t *testing.T, err error, code string, field ...string) {
	t.Helper()
	if got := writ.ErrorCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %s", err, got, code)
	}
	if len(field) > 0 && writ.ErrorField(err) != field[0] {
		t.Fatalf("error %v names field %q, want %q", err, writ.ErrorField(err), field[0])
	}
}

func submit(t *testing.T, f *fixture, actor writ.Actor, in writ.DemandInput) writ.Demand {
	t.Helper()
	d, _, err := f.Store.CreateDemand(ctx, actor, in, "")
	check(t, err)
	return d
}
