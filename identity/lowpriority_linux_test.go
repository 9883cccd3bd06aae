package identity

import (
	"syscall"
	"testing"
)

// A password is hashed on a thread of the lowest priority, and the caller's
// thread keeps its own.
func TestHashingRunsAtTheLowestPriority(t *testing.T) {
	own := func() int {
		p, err := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid())
		if err != nil {
			t.Fatal(err)
		}
		return 20 - p // the system call answers 20 - nice
	}
	before := own()
	var during int
	atLowPriority(func() { during = own() })
	if during != 19 || own() != before {
		t.Fatalf("nice %d while hashing (want 19), %d after (want %d)", during, own(), before)
	}
}
