//go:build unix

package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"writ/store/storetest"
)

// writBin is the writ binary every test runs, built once by TestMain.
var writBin string

// keysDir holds the documents key of each PostgreSQL database the tests
// make (a SQLite database keeps its key beside it), so that no key is
// written into the checkout and servers sharing a database share its key.
var keysDir string

// The tests that mostly wait — for a job's timeout, a mail server, a
// restart — call t.Parallel, so that go test runs them two at a time
// (-parallel defaults to the processors) after the others. Those that
// measure a pace or a latency (a frozen server, a kill during a burst, a
// lock held too long, an outage, SIGTERM, the resend after a crash within
// its 90 seconds) and those that start several servers behind a proxy stay
// alone.
//
// TestMain builds writ once for the whole package: building it per test
// would cost more than the tests themselves. A build failure fails the run;
// these tests are never skipped. WRIT_TEST_BINARY names a writ binary
// built from this checkout to run instead (./test sets it).
func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "writ-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	writBin, keysDir = filepath.Join(dir, "writ"), dir
	if prebuilt := os.Getenv("WRIT_TEST_BINARY"); prebuilt != "" {
		// ./test builds writ once for every package that runs it.
		writBin = prebuilt
		return m.Run()
	}
	// "go test" puts its own GOROOT/bin first on PATH, so this is the same
	// toolchain that is running the tests.
	cmd := exec.Command("go", "build", "-o", writBin, "writ/cmd/writ")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build writ/cmd/writ: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// writEnv is the environment for a writ process: the test's own, without
// WRIT_* variables, so a developer's shell cannot change what runs.
func writEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WRIT_") {
			env = append(env, kv)
		}
	}
	return env
}

// loadDemo runs "writ demo --demands 0" on db, which creates the schema,
// the demo agencies, customers and users but no demands, and returns the
// demo users' API tokens keyed by role.
func loadDemo(t *testing.T, db string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, writBin, append([]string{"demo", "--demands", "0", "--db", db}, keyFlags(db)...)...)
	cmd.Env = writEnv()
	cmd.SysProcAttr = procAttr()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("writ demo: %v\nstderr:\n%s", err, stderr.Bytes())
	}
	var tokens map[string]string
	if err := json.Unmarshal(stdout.Bytes(), &tokens); err != nil {
		t.Fatalf("writ demo printed no token object: %v\nstdout:\n%s", err, stdout.Bytes())
	}
	for _, role := range []string{"admin", "reviewer", "approver", "auditor", "agency", "customer"} {
		if tokens[role] == "" {
			t.Fatalf("writ demo printed no %s token: %s", role, stdout.Bytes())
		}
	}
	return tokens
}

// onBoth runs fn on a new SQLite database and on a new PostgreSQL schema,
// side by side: db names the database, dir is a folder for the files
// beside it.
func onBoth(t *testing.T, fn func(t *testing.T, db, dir string)) {
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		fn(t, filepath.Join(dir, "writ.db"), dir)
	})
	t.Run("Postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, storetest.PostgresSchema(t), t.TempDir())
	})
}

// keyFlags names the documents key of a PostgreSQL database db, in
// keysDir; a SQLite database's is beside it by default.
func keyFlags(db string) []string {
	if !strings.HasPrefix(db, "postgres://") {
		return nil
	}
	sum := sha256.Sum256([]byte(db))
	return []string{"--documents-key", filepath.Join(keysDir, hex.EncodeToString(sum[:8])+".key")}
}

// server is one running "writ serve" process.
type server struct {
	url    string // http://127.0.0.1:PORT
	cmd    *exec.Cmd
	stderr *syncBuffer
	exited chan struct{} // closed once the process has been reaped
	err    error         // what Wait returned; read after exited is closed
}

// startServer starts "writ serve" on a free loopback port against db, with
// the audit log's signing key in logKey (servers sharing a database share
// the key), and returns once it answers GET /v1/health. The process is killed when the
// test ends, and its log is printed if the test failed.
func startServer(t *testing.T, db, logKey string, extra ...string) *server {
	t.Helper()
	return startServerEnv(t, db, logKey, nil, extra...)
}

// startServerEnv is startServer with variables added to writ's environment.
func startServerEnv(t *testing.T, db, logKey string, env []string, extra ...string) *server {
	t.Helper()
	line := &firstLine{ch: make(chan string, 1)}
	s := &server{stderr: &syncBuffer{}, exited: make(chan struct{})}
	// Rate limits are off: these tests drive bursts on purpose; the
	// limits have tests of their own.
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--log-key", logKey, "--rate-limit", "0", "--rate-limit-ip", "0"}, keyFlags(db)...)
	s.cmd = exec.Command(writBin, append(args, extra...)...)
	s.cmd.Env = append(writEnv(), env...)
	s.cmd.SysProcAttr = procAttr()
	s.cmd.Stdout, s.cmd.Stderr = line, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start writ serve: %v", err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("writ serve (pid %d, %s) log:\n%s", s.cmd.Process.Pid, s.url, s.stderr)
		}
	})

	select {
	case l := <-line.ch:
		addr, ok := strings.CutPrefix(l, "writ listening on ")
		if !ok || !strings.HasPrefix(addr, "http://127.0.0.1:") {
			t.Fatalf("writ serve's first line is %q, not \"writ listening on http://127.0.0.1:PORT\"", l)
		}
		s.url = addr
	case <-s.exited:
		t.Fatalf("writ serve exited before listening: %v\n%s", s.err, s.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("writ serve printed no address within 30s\n%s", s.stderr)
	}

	hc := &http.Client{Timeout: 2 * time.Second}
	defer hc.CloseIdleConnections()
	deadline := time.Now().Add(15 * time.Second)
	for {
		// Raw: polled with a short timeout of its own until it answers.
		res, err := hc.Get(s.url + "/v1/health")
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-s.exited:
			t.Fatalf("writ serve exited before it was healthy: %v", s.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("writ serve at %s not healthy within 15s (last: %v)", s.url, describe(res, err))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func describe(res *http.Response, err error) string {
	if err != nil {
		return err.Error()
	}
	return res.Status
}

// kill sends SIGKILL to the server process alone, as a crash or the OOM
// killer would, and waits until it is gone. It fails the test if the
// process had already exited for another reason.
func (s *server) kill(t *testing.T) {
	t.Helper()
	select {
	case <-s.exited:
		t.Fatalf("writ serve had exited before it was killed: %v", s.err)
	default:
	}
	if err := syscall.Kill(s.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill writ serve: %v", err)
	}
	<-s.exited
	var ee *exec.ExitError
	if !errors.As(s.err, &ee) {
		t.Fatalf("writ serve ended with %v, not by SIGKILL", s.err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("writ serve ended with %v, not by SIGKILL", s.err)
	}
}

// stop kills the server's whole process group unless it has already exited.
func (s *server) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.exited
}

// firstLine is a process's stdout: it passes on the first line and
// discards the rest. exec copies the pipe in one goroutine, so it needs no
// lock.
type firstLine struct {
	buf  []byte
	sent bool
	ch   chan string
}

func (f *firstLine) Write(p []byte) (int, error) {
	if !f.sent {
		f.buf = append(f.buf, p...)
		if i := bytes.IndexByte(f.buf, '\n'); i >= 0 {
			f.ch <- string(f.buf[:i])
			f.sent, f.buf = true, nil
		}
	}
	return len(p), nil
}

// syncBuffer is a process's stderr, written by exec's copying goroutine
// and read by the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// client talks to writ servers over HTTP.
type client struct {
	hc *http.Client
}

// newClient returns a client with enough idle connections per server for
// the tests' concurrency, closed when the test ends.
func newClient(t *testing.T) *client {
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 32, IdleConnTimeout: 30 * time.Second}
	t.Cleanup(tr.CloseIdleConnections)
	return &client{hc: &http.Client{Transport: tr, Timeout: 20 * time.Second}}
}

// reply is an HTTP answer, read in full.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (c *client) do(method, url, token string, body []byte, idempotencyKey string) (reply, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	return read(c.hc.Do(req))
}

// demand is the part of a demand the tests check.
type demand struct {
	ID        int64  `json:"id"`
	Reference string `json:"reference"`
	AgencyID  int64  `json:"agency_id"`
}

// warrant is a submission the demo agency user (an FBI agent) may make: a
// US search warrant for one demo consumer account.
func warrant(reference string) []byte {
	b, err := json.Marshal(map[string]any{
		"instrument":      "us_search_warrant",
		"issued_by":       "judge",
		"data_categories": []string{"content"},
		"accounts":        []string{"jdoe1987@mail.example"},
		"reference":       reference,
	})
	if err != nil {
		panic(err)
	}
	return b
}

// submitResult is the outcome of one POST /v1/demands that was answered.
type submitResult struct {
	status   int
	demand   demand
	replayed bool
	body     []byte
}

// short is an answer's body cut to a length fit for a failure message.
func short(body []byte) string {
	const max = 300
	if len(body) > max {
		return string(body[:max]) + "…"
	}
	return string(body)
}

// parallel calls fn(i) for every i in [0, n) on the given number of
// goroutines.
func parallel(workers, n int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
