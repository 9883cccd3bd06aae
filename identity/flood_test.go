package identity_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"writ"
	"writ/identity"
)

// A flood of wrong passwords, each for an account and from an address of
// its own so that no throttle turns it away, never has more passwords
// checked at once than the hashing slots; the attempts that find every
// slot taken for a moment are refused at once, unchecked and uncharged,
// with a time to try again.
func testFloodTakesNoMoreThanTheSlots(t *testing.T, f *fixture) {
	var now, most, checks atomic.Int64
	identity.CheckPasswordsWith(f.Identity, 100*time.Millisecond, func(hash, password string) bool {
		n := now.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		checks.Add(1)
		time.Sleep(20 * time.Millisecond)
		now.Add(-1)
		return false
	})
	before := countEvents(t, f, "signin.failed")
	const clients, each = 24, 3
	errs := make([]error, clients*each)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := range each {
				_, errs[c*each+i] = f.Identity.PasswordSignIn(ctx, fmt.Sprintf("flood-%d-%d@attacker.example", c, i), "not the password",
					fmt.Sprintf("10.0.%d.%d", c, i+1))
			}
		})
	}
	wg.Wait()
	if m := most.Load(); m > int64(identity.HashSlots()) {
		t.Fatalf("%d passwords checked at once, want at most %d", m, identity.HashSlots())
	}
	wrong, busy := 0, 0
	for _, err := range errs {
		switch writ.ErrorCode(err) {
		case writ.EUNAUTHORIZED:
			wrong++
		case writ.EUNAVAILABLE:
			busy++
			if identity.RetryAfter(err) <= 0 || writ.ErrorMessage(err) != "too many sign-ins at once: try again in a moment" {
				t.Fatalf("a refusal for want of a slot says %q, retry after %v", writ.ErrorMessage(err), identity.RetryAfter(err))
			}
		default:
			t.Fatalf("an attempt answered %v", err)
		}
	}
	// 72 checks of 20 ms cannot all wait their turn within 100 ms.
	if identity.HashSlots() < clients/2 && busy == 0 {
		t.Fatalf("%d attempts, none refused for want of a slot", len(errs))
	}
	// Only the attempts checked were charged and recorded.
	if failed := countEvents(t, f, "signin.failed") - before; int64(wrong) != checks.Load() || failed != checks.Load() {
		t.Fatalf("%d checked, %d answered wrong, %d failure events", checks.Load(), wrong, failed)
	}
}

// A wrong address costs one password check, against the decoy hash, as a
// wrong and a right password for an account do: the time of the answer
// does not tell which addresses have accounts.
func testUnknownAccountCostsOneCheck(t *testing.T, f *fixture) {
	email, _ := credentials(t, f, f.CustomerUserConsumer, false)
	var hashes []string
	identity.CheckPasswordsWith(f.Identity, time.Second, func(hash, password string) bool {
		hashes = append(hashes, hash)
		return password == testPassword && hash != identity.DecoyHash
	})
	_, err := f.Identity.PasswordSignIn(ctx, "nobody@nowhere.example", testPassword, "198.51.100.7")
	wantCode(t, err, writ.EUNAUTHORIZED)
	_, err = f.Identity.PasswordSignIn(ctx, email, "wrong password", "198.51.100.7")
	wantCode(t, err, writ.EUNAUTHORIZED)
	_, err = f.Identity.PasswordSignIn(ctx, email, testPassword, "198.51.100.7")
	check(t, err)
	if len(hashes) != 3 || hashes[0] != identity.DecoyHash || hashes[1] == identity.DecoyHash || hashes[1] != hashes[2] {
		t.Fatalf("checked against %q, want the decoy once and then the account's hash twice", hashes)
	}
}
