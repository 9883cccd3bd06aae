package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusesJobSettingsThatBreakOnce: a lease that leaves a job no
// time to start and record its outcome after its timeout, or a clock moved
// back (River's rescuer reads the real clock), would let two attempts send
// one notice; serve refuses both before it opens anything, naming the flag.
func TestServeRefusesJobSettingsThatBreakOnce(t *testing.T) {
	db := filepath.Join(t.TempDir(), "writ.db")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--job-timeout", "1m", "--job-lease", "65s"}, "writ: error: job-lease: must be at least --job-timeout (1m0s) and 10s more"},
		{[]string{"--clock-offset", "-1h"}, "writ: error: clock-offset: cannot move the clock back"},
		{[]string{"--job-timeout", "0s"}, "writ: error: --job-poll, --job-timeout, --job-lease"},
		{[]string{"--site-url", "writ.provider.example"}, "writ: error: site-url: not an http or https address"},
	} {
		code, stdout, stderr := execWrit(t, "", nil, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, c.args...)...)
		if code == 0 || stdout != "" || !strings.HasPrefix(stderr, c.want) {
			t.Errorf("serve %v: exit %d, stdout %q, stderr %q; want a refusal starting %q", c.args, code, stdout, stderr, c.want)
		}
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("serve made its database before it refused its settings: %v", err)
	}
}
