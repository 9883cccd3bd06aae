package identity

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"writ"
)

// TestMain lets this test binary be its own hash worker: started with the
// first argument "hash-worker", it serves as writ hash-worker does; with
// "hash-worker-broken MODE DIR", the first worker started on DIR breaks
// as MODE says and those after it serve.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && strings.HasPrefix(os.Args[1], "hash-worker") {
		os.Exit(testWorker(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// testWorker is the test binary as a hash worker, as TestMain says.
func testWorker(args []string) int {
	if args[0] == "hash-worker-broken" {
		mark, err := os.OpenFile(filepath.Join(args[2], "broken"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			mark.Close()
			return brokenWorker(args[1], args[2])
		}
	}
	if err := ServeHashWorker(os.Stdin, os.Stdout); err != nil {
		return 1
	}
	return 0
}

// brokenWorker reads a request and then, by mode: answers another
// request's number, answers a byte that is no verdict, exits, or writes
// its process id to dir/stalled and waits to be killed.
func brokenWorker(mode, dir string) int {
	id, _, _, err := readCheck(bufio.NewReader(os.Stdin))
	if err != nil {
		return 1
	}
	w := bufio.NewWriter(os.Stdout)
	switch mode {
	case "stray":
		_ = writeVerdict(w, id-1, verdictRight)
	case "garbage":
		_ = writeVerdict(w, id, '1')
	case "exit":
		return 3
	case "stall":
		_ = os.WriteFile(filepath.Join(dir, "stalled"), []byte(strconv.Itoa(os.Getpid())), 0o600)
		time.Sleep(time.Hour)
	}
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// testWorkers is a pool of this test binary's workers, started with args
// after the program's name, that logs into log.
func testWorkers(t *testing.T, log *bytes.Buffer, args ...string) *HashWorkers {
	t.Helper()
	p := NewHashWorkers(HashWorkerOptions{Program: os.Args[0], Args: append([]string{"identity.test"}, args...), Stderr: os.Stderr,
		Log: slog.New(slog.NewTextHandler(log, nil))})
	t.Cleanup(func() { p.Close() })
	return p
}

// The workers' verdicts agree with checkPassword: a right password, a
// wrong one, the decoy hash, a hash that is none; a worker is kept for
// the next check.
func TestHashWorkersCheckPasswords(t *testing.T) {
	hash, err := hashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	p := testWorkers(t, &bytes.Buffer{}, "hash-worker")
	ctx := context.Background()
	for _, c := range []struct {
		name, hash, password string
		want                 bool
	}{
		{"right", hash, "correct horse battery staple", true},
		{"wrong", hash, "correct horse battery stapl", false},
		{"decoy", decoyHash, "", false},
		{"no hash", "plain", "plain", false},
		{"too long", hash, strings.Repeat("x", maxCheckedLength+1), false},
	} {
		got, err := p.CheckPassword(ctx, c.hash, c.password)
		if err != nil || got != c.want {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if n := len(p.idle); n != 1 {
		t.Errorf("%d workers idle after checks one at a time, want 1", n)
	}
}

// A worker that answers anything but the verdict of the request it was
// given, or dies during the check, gives an error that asks the client to
// try again, never a right password; the next check has a fresh worker
// and its verdict.
func TestHashWorkersReplaceABrokenWorker(t *testing.T) {
	hash, err := hashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"stray", "garbage", "exit", "stall"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			var log bytes.Buffer
			p := testWorkers(t, &log, "hash-worker-broken", mode, dir)
			if mode == "stall" {
				go killStalled(t, dir)
			}
			ok, err := p.CheckPassword(context.Background(), hash, "correct horse battery staple")
			if ok || writ.ErrorCode(err) != writ.EUNAVAILABLE || RetryAfter(err) <= 0 {
				t.Fatalf("a broken worker's check: %v, %v; want EUNAVAILABLE with a time to retry", ok, err)
			}
			if len(p.idle) != 0 || !strings.Contains(log.String(), "during_check=true") {
				t.Fatalf("the broken worker was kept, or its replacement not logged:\n%s", &log)
			}
			if ok, err := p.CheckPassword(context.Background(), hash, "correct horse battery staple"); !ok || err != nil {
				t.Fatalf("the next check: %v, %v; want the right password", ok, err)
			}
		})
	}
}

// killStalled kills the worker that wrote its process id to dir/stalled.
func killStalled(t *testing.T, dir string) {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile(filepath.Join(dir, "stalled"))
		if pid, _ := strconv.Atoi(string(b)); err == nil && pid > 0 {
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Errorf("kill %d: %v", pid, err)
			}
			return
		}
	}
	t.Error("no worker stalled within a minute")
}

// A worker that died while idle is replaced before the password reaches
// it: the check gets its verdict.
func TestHashWorkersReplaceAWorkerThatDiedIdle(t *testing.T) {
	var log bytes.Buffer
	p := testWorkers(t, &log, "hash-worker")
	ctx := context.Background()
	if _, err := p.CheckPassword(ctx, decoyHash, "x"); err != nil {
		t.Fatal(err)
	}
	w := <-p.idle
	if err := w.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_, _ = w.cmd.Process.Wait()
	p.idle <- w
	hash, err := hashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := p.CheckPassword(ctx, hash, "correct horse battery staple"); !ok || err != nil {
		t.Fatalf("the check after an idle worker died: %v, %v; want the right password", ok, err)
	}
	if !strings.Contains(log.String(), "during_check=false") {
		t.Fatalf("the dead worker's replacement was not logged:\n%s", &log)
	}
}

// Closing the pool ends its workers by closing their input; no worker
// starts after it.
func TestHashWorkersClose(t *testing.T) {
	p := testWorkers(t, &bytes.Buffer{}, "hash-worker")
	ctx := context.Background()
	if _, err := p.CheckPassword(ctx, decoyHash, "x"); err != nil {
		t.Fatal(err)
	}
	w := <-p.idle
	p.idle <- w
	p.Close()
	if w.cmd.ProcessState == nil || !w.cmd.ProcessState.Success() {
		t.Fatalf("the idle worker after Close: %v, want exited with status 0", w.cmd.ProcessState)
	}
	if _, err := p.CheckPassword(ctx, decoyHash, "x"); writ.ErrorCode(err) != writ.EUNAVAILABLE {
		t.Fatalf("a check after Close: %v, want EUNAVAILABLE", err)
	}
}

// The protocol: a request read back is the request written; the input
// ending between requests is the end, midway or with a field too long an
// error.
func TestHashWorkerProtocol(t *testing.T) {
	req := appendCheck(nil, 7, decoyHash, "pass\x00word")
	id, encoded, password, err := readCheck(bytes.NewReader(req))
	if err != nil || id != 7 || encoded != decoyHash || password != "pass\x00word" {
		t.Fatalf("read back: %d %q %q %v", id, encoded, password, err)
	}
	if _, _, _, err := readCheck(bytes.NewReader(nil)); err != io.EOF {
		t.Fatalf("empty input: %v, want io.EOF", err)
	}
	for n := 1; n < len(req); n += 5 {
		if _, _, _, err := readCheck(bytes.NewReader(req[:n])); err == nil || errors.Is(err, io.EOF) {
			t.Fatalf("a request cut after %d bytes: %v, want an error that is not the end", n, err)
		}
	}
	long := appendCheck(nil, 1, strings.Repeat("h", maxCheckedLength+1), "")
	if _, _, _, err := readCheck(bytes.NewReader(long)); err == nil {
		t.Fatal("a field over the bound was read")
	}
	var out bytes.Buffer
	if err := ServeHashWorker(bytes.NewReader(append(appendCheck(nil, 1, decoyHash, ""), appendCheck(nil, 2, "plain", "plain")...)), &out); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uint64{1, 2} {
		if ok, err := readVerdict(&out, id); ok || err != nil {
			t.Fatalf("verdict %d: %v, %v; want wrong", id, ok, err)
		}
	}
}
