package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// shellSession is one bash a reader types into, as in a terminal: what a
// block sets (variables, functions) holds for the next block. Every curl
// also writes its HTTP status to the session's log, so that a test can
// check each request's answer without changing what the reader sees.
type shellSession struct {
	t      *testing.T
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	log    string // the session's standard error, with the statuses
	blocks int
	seen   int // statuses already read from the log
}

// statusLine is how the session's curl reports a status on standard error.
var statusLine = regexp.MustCompile(`(?m)^HTTP (\d{3})$`)

func newShellSession(t *testing.T, dir string, env []string) *shellSession {
	t.Helper()
	s := &shellSession{t: t, log: filepath.Join(t.TempDir(), "stderr")}
	errs, err := os.Create(s.log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { errs.Close() })
	s.cmd = exec.Command("bash", "--norc", "--noprofile", "-s")
	s.cmd.Dir, s.cmd.Env, s.cmd.Stderr = dir, env, errs
	if s.in, err = s.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.out = bufio.NewReader(stdout)
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.in.Close(); s.cmd.Wait() })
	s.run(`curl() { command curl -w '%{stderr}HTTP %{http_code}\n' "$@"; }`)
	return s
}

// run types text into the session and returns what it printed on
// standard output, the status of its last command, and the HTTP statuses
// its requests were answered with.
func (s *shellSession) run(text string) (string, int, []int) {
	s.t.Helper()
	s.blocks++
	end := fmt.Sprintf("--- end of block %d, status", s.blocks)
	if _, err := fmt.Fprintf(s.in, "%s\nstatus=$?; echo; echo \"%s $status\"\n", text, end); err != nil {
		s.t.Fatal(err)
	}
	done := make(chan struct{})
	timer := time.AfterFunc(2*time.Minute, func() { s.cmd.Process.Kill() })
	defer timer.Stop()
	var out strings.Builder
	status := -1
	go func() {
		defer close(done)
		for {
			line, err := s.out.ReadString('\n')
			if rest, ok := strings.CutPrefix(line, end+" "); ok {
				status, _ = strconv.Atoi(strings.TrimSpace(rest))
				return
			}
			out.WriteString(line)
			if err != nil {
				return
			}
		}
	}()
	<-done
	if status < 0 {
		s.t.Fatalf("the shell ended in the block:\n%s\nit printed:\n%s\nstandard error:\n%s", text, out.String(), s.stderr())
	}
	var statuses []int
	all := statusLine.FindAllStringSubmatch(s.stderr(), -1)
	for _, m := range all[s.seen:] {
		n, _ := strconv.Atoi(m[1])
		statuses = append(statuses, n)
	}
	s.seen = len(all)
	return strings.TrimSuffix(out.String(), "\n"), status, statuses
}

func (s *shellSession) stderr() string {
	data, err := os.ReadFile(s.log)
	if err != nil {
		s.t.Fatal(err)
	}
	return string(data)
}
