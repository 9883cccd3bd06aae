//go:build unix

package e2e

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMonitorWatchesAcrossARestart runs "writ log monitor" against a server
// that stops for a while and comes back on the same address: the monitor
// says the log is unreachable, backs off, raises its alert once the
// outage outlasts --alert-after, and on the server's return proves the new
// checkpoints consistent with the last one it verified before the outage.
func TestMonitorWatchesAcrossARestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db, logKey := filepath.Join(dir, "writ.db"), filepath.Join(dir, "log.key")
	tokens := loadDemo(t, db)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	srv := startServer(t, db, logKey, "--addr", addr)
	c := newClient(t)
	issue := func(s *server) {
		t.Helper()
		r, err := read(c.raw(s.url, tokens["auditor"]).IssueCheckpoint(context.Background()))
		if err != nil || r.status != http.StatusCreated && r.status != http.StatusOK {
			t.Fatalf("issue checkpoint: %v %d %s", err, r.status, short(r.body))
		}
	}
	issue(srv)
	key, err := exec.Command(writBin, "log", "key", "--log-key", logKey).Output()
	if err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	mon := exec.Command(writBin, "log", "monitor", "--verifier-key", strings.TrimSpace(string(key)),
		"--interval", "200ms", "--count", "3", "--alert-after", "1s", "http://"+addr)
	mon.Env = writEnv()
	mon.Stdout, mon.Stderr = &out, &out
	if err := mon.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- mon.Wait() }()
	t.Cleanup(func() { mon.Process.Kill() })
	if !waitFor(func() bool { return strings.Count(out.String(), "consistent") >= 1 }) {
		t.Fatalf("the monitor verified nothing:\n%s", out.String())
	}
	srv.kill(t)
	if !waitFor(func() bool { return strings.Contains(out.String(), "ALERT: the log has been unreachable") }) {
		t.Fatalf("no alert while the log was down:\n%s", out.String())
	}
	// The log grows while the monitor waits, and comes back on the same
	// address with a newer checkpoint.
	srv = startServer(t, db, logKey, "--addr", addr)
	if _, err := c.submit(srv.url, tokens["agency"], "MON-1", "MON-1"); err != nil {
		t.Fatal(err)
	}
	issue(srv)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the monitor ended with %v:\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the monitor did not finish:\n%s", out.String())
	}
	got := out.String()
	for _, want := range []string{"unreachable for", "trying again in", "reachable again after"} {
		if !strings.Contains(got, want) {
			t.Errorf("the monitor did not say %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "consistent"); n != 3 {
		t.Errorf("%d checkpoints proved, want 3:\n%s", n, got)
	}
	if bytes.Count([]byte(got), []byte("ALERT")) != 1 {
		t.Errorf("the alert is not said exactly once:\n%s", got)
	}
}
