package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// writ serve checks sign-ins' passwords in a child process of its own
// binary (writ hash-worker), started on the first sign-in at the server's
// own priority with one processor, that is given the password on a pipe, never in its
// arguments or environment. A right password signs in and a wrong one is
// refused; a worker killed while it checks a password gives an answer that
// asks to try again, never a session, and the next sign-in is checked by a
// fresh worker; a worker ends when its server dies.
func TestPasswordsAreCheckedInAChildProcess(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "writ.db")
	loadDemo(t, db)
	s := startServer(t, db, filepath.Join(dir, "log.key"))
	server := s.cmd.Process.Pid
	if w := children(t, server); len(w) != 0 {
		t.Fatalf("writ serve started children %v before any sign-in", w)
	}

	reviewer := credential(t, "reviewer@provider.example")
	if status, next := postSignIn(t, s.url, reviewer.Email, reviewer.Password); status != http.StatusSeeOther || !strings.HasPrefix(next, "/signin/code") {
		t.Fatalf("the right password: %d %q, want 303 to the code form", status, next)
	}
	workers := children(t, server)
	if len(workers) != 1 {
		t.Fatalf("writ serve's children after a sign-in: %v, want one hash worker", workers)
	}
	worker := workers[0]
	checkWorker(t, server, worker, reviewer.Password)
	if status, _ := postSignIn(t, s.url, reviewer.Email, "not the password"); status != http.StatusUnauthorized {
		t.Fatalf("a wrong password: %d, want 401", status)
	}
	if w := children(t, server); len(w) != 1 || w[0] != worker {
		t.Fatalf("writ serve's children after a second sign-in: %v, want the same worker %d", w, worker)
	}

	// The worker is stopped, given a sign-in, and killed once the
	// request waits in its pipe: the check was under way. A stop signal
	// takes effect when the worker next runs, and a worker waiting on its
	// pipe that runs only once the request is there reads it first: the
	// sign-in is sent once the worker is seen stopped.
	if err := syscall.Kill(worker, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); processState(worker) != "T"; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("hash worker %d not stopped a minute after SIGSTOP: state %q", worker, processState(worker))
		}
	}
	answered := make(chan signInAnswer, 1)
	go func() {
		status, next := postSignIn(t, s.url, reviewer.Email, reviewer.Password)
		answered <- signInAnswer{status, next}
	}()
	if !waitForRequest(t, worker, answered) {
		a := <-answered
		t.Fatalf("the sign-in given to the stopped worker was answered %d %q before it reached the worker", a.status, a.next)
	}
	if err := syscall.Kill(worker, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if a := <-answered; a.status != http.StatusServiceUnavailable {
		t.Fatalf("the sign-in whose worker was killed: %d %q, want 503", a.status, a.next)
	}
	if status, next := postSignIn(t, s.url, reviewer.Email, reviewer.Password); status != http.StatusSeeOther || !strings.HasPrefix(next, "/signin/code") {
		t.Fatalf("the sign-in after: %d %q, want 303 to the code form", status, next)
	}
	workers = children(t, server)
	if len(workers) != 1 || workers[0] == worker {
		t.Fatalf("writ serve's children after the worker was killed: %v, want one other than %d", workers, worker)
	}
	if !strings.Contains(s.stderr.String(), `msg="hash worker replaced" pid=`+strconv.Itoa(worker)) {
		t.Errorf("the killed worker's replacement was not logged:\n%s", s.stderr)
	}
	if strings.Contains(s.stderr.String(), reviewer.Password) {
		t.Errorf("the log holds the password:\n%s", s.stderr)
	}

	// The server dies at once; its worker ends when its input does.
	s.kill(t)
	for deadline := time.Now().Add(10 * time.Second); running(workers[0]); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("hash worker %d still runs 10s after its server died", workers[0])
		}
	}
}

// postSignIn posts the sign-in form as a browser would, and returns the
// answer's status and where it redirects to.
func postSignIn(t *testing.T, base, email, password string) (int, string) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Get(base + "/signin")
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := formToken.FindStringSubmatch(string(page))
	if m == nil {
		t.Errorf("no form token on /signin:\n%s", page)
		return 0, ""
	}
	req, _ := http.NewRequest("POST", base+"/signin", strings.NewReader(url.Values{"csrf": {m[1]}, "email": {email}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err = hc.Do(req)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode == http.StatusServiceUnavailable && res.Header.Get("Retry-After") == "" {
		t.Error("a 503 to a sign-in without Retry-After")
	}
	return res.StatusCode, res.Header.Get("Location")
}

// children lists the processes whose parent is pid.
func children(t *testing.T, pid int) []int {
	t.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	if err != nil || len(tasks) == 0 {
		t.Fatalf("no tasks of process %d: %v", pid, err)
	}
	var out []int
	for _, task := range tasks {
		b, err := os.ReadFile(task)
		if err != nil {
			continue // the thread has ended
		}
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// checkWorker checks what a hash worker's /proc says: the server's own
// binary as "writ hash-worker", only GOMAXPROCS=1 in its environment, no
// password in either, and on every thread the server's own nice value: a
// lower priority leaves an honest sign-in on a busy machine waiting for
// seconds.
func checkWorker(t *testing.T, server, worker int, password string) {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", worker, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cmdline, environ := read("cmdline"), read("environ")
	if cmdline != "writ\x00hash-worker\x00" || environ != "GOMAXPROCS=1\x00" {
		t.Errorf("the worker's arguments %q and environment %q, want writ hash-worker and GOMAXPROCS=1 alone", cmdline, environ)
	}
	if strings.Contains(cmdline, password) || strings.Contains(environ, password) {
		t.Errorf("the worker's arguments or environment hold the password")
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", worker))
	if want, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", server)); err != nil || exe != want {
		t.Errorf("the worker runs %q (%v), want the server's %q", exe, err, want)
	}
	want := niceValues(t, server)[0]
	nices := niceValues(t, worker)
	for _, nice := range nices {
		if nice != want {
			t.Errorf("the worker's threads run at nice %v, want the server's %s", nices, want)
			break
		}
	}
}

// niceValues lists the nice value of each thread of process pid.
func niceValues(t *testing.T, pid int) []string {
	t.Helper()
	stats, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	var out []string
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // the thread has ended
		}
		// The fields after the command's closing parenthesis: nice is
		// the 19th field of the line, the 17th after the command.
		out = append(out, strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))[16])
	}
	if len(out) == 0 {
		t.Fatalf("no threads of process %d", pid)
	}
	return out
}

// signInAnswer is a sign-in's status and where it redirects to.
type signInAnswer struct {
	status int
	next   string
}

// waitForRequest waits until a request waits unread in a stopped worker's
// standard input, by asking the pipe, opened through /proc, how much it
// holds. It returns false when the sign-in meant to send it is answered
// first: then it never will.
func waitForRequest(t *testing.T, worker int, answered chan signInAnswer) bool {
	t.Helper()
	in, err := os.OpenFile(fmt.Sprintf("/proc/%d/fd/0", worker), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		var n int32
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, in.Fd(), syscall.TIOCINQ, uintptr(unsafe.Pointer(&n))); errno != 0 {
			t.Fatalf("FIONREAD on the worker's input: %v", errno)
		}
		if n > 0 {
			return true
		}
		if len(answered) > 0 {
			return false
		}
		if time.Now().After(deadline) {
			t.Fatal("no request reached the stopped worker within a minute")
		}
	}
}

// running says whether process pid is alive: there, and not a zombie
// waiting for whoever inherited it.
func running(pid int) bool {
	s := processState(pid)
	return s != "" && s != "Z"
}

// processState is the state letter of process pid in /proc (R running, S
// sleeping, T stopped, Z zombie), or "" when there is no such process.
func processState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(fields) == 0 {
		return ""
	}
	return fields[0]
}
