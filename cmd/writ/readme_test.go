package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// walkthroughBlock is a shell block of the README that a newcomer types,
// marked by a comment before it: <!-- walkthrough: NAME -->.
type walkthroughBlock struct{ name, text string }

var walkthroughMark = regexp.MustCompile("(?s)<!-- walkthrough: ([a-z]+) -->\n```sh\n(.*?)```")

// walkthroughChecks is what each block of commands must answer: the HTTP
// status of each request in order, and words its output holds. A block of
// "go run ./cmd/writ serve" lines (re)starts the server instead.
var walkthroughChecks = map[string]struct {
	statuses []int
	output   []string
}{
	"start": {nil, []string{`"admin": "writ_`, `"reviewer": "writ_`}},
	"api":   {[]int{200}, []string{`"items":[`}},
	// Submit, attach, assess, verify, review, approve, notice, delivery;
	// the package waits for the objection window.
	"life": {[]int{201, 201, 200, 200, 200, 200, 200, 201, 409}, []string{`"state":"received"`, `"sha256":`, `"route":`, `"state":"noticed"`, `"code":"ECONFLICT"`}},
	// The package is taken and waits for its certificate's signature.
	"produce": {[]int{201, 200, 200}, []string{`"available_at":null`, `"version": "writ.certificate/v1"`, `"kind":"production.certificate_drafted"`}},
	"assess":  {nil, []string{`"rulebook": "v2"`, "==> rulebook.yaml <=="}},
}

// TestReadmeWalkthrough runs the README's walkthrough as a newcomer types
// it, in a fresh folder beside nothing (no ../shared) holding only what
// the repository tracks, with a fresh data directory: each marked block in
// one shell session, in order, with the built writ for "go run ./cmd/writ"
// and the server's address for 127.0.0.1:8080 (the test's server listens
// on a free port). The server is started in the background where the
// README starts it, and started again as the README says.
func TestReadmeWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo data set")
	}
	for _, tool := range []string{"bash", "curl", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []walkthroughBlock
	for _, m := range walkthroughMark.FindAllStringSubmatch(string(data), -1) {
		blocks = append(blocks, walkthroughBlock{m[1], m[2]})
	}
	var names []string
	for _, b := range blocks {
		names = append(names, b.name)
	}
	if want := []string{"start", "api", "life", "later", "produce", "assess"}; !slices.Equal(names, want) {
		t.Fatalf("the README's walkthrough blocks are %v, want %v", names, want)
	}

	bin := filepath.Join(t.TempDir(), "writ")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := freshClone(t)
	env := []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	sh := newShellSession(t, dir, env)
	srv := &walkthroughServer{t: t, bin: bin, dir: dir, env: env}
	defer srv.stop()
	for _, b := range blocks {
		text := strings.ReplaceAll(b.text, "go run ./cmd/writ", bin)
		if srv.addr != "" {
			text = strings.ReplaceAll(text, "127.0.0.1:8080", srv.addr)
		}
		var out strings.Builder
		var statuses []int
		for _, part := range strings.Split(strings.TrimSpace(text), "\n") {
			// "writ demo && writ serve": the server runs in the
			// background, as in a terminal of its own.
			cmds := strings.Split(part, " && ")
			if args, ok := strings.CutPrefix(cmds[len(cmds)-1], bin+" serve"); ok {
				cmds = cmds[:len(cmds)-1]
				if len(cmds) > 0 {
					o, status, st := sh.run(strings.Join(cmds, " && "))
					if status != 0 {
						t.Fatalf("%s: %q exited %d:\n%s\n%s", b.name, cmds, status, o, sh.stderr())
					}
					out.WriteString(o)
					statuses = append(statuses, st...)
				}
				srv.start(strings.Fields(args))
				continue
			}
			if b.name == "later" {
				t.Fatalf("the block %q does more than start the server: %q", b.name, part)
			}
		}
		if b.name != "start" && b.name != "later" {
			o, status, st := sh.run(text)
			if status != 0 {
				t.Fatalf("block %q exited %d:\n%s\n%s", b.name, status, o, sh.stderr())
			}
			out.WriteString(o)
			statuses = append(statuses, st...)
		}
		t.Logf("block %s: HTTP %v", b.name, statuses)
		check, ok := walkthroughChecks[b.name]
		if !ok && b.name != "later" {
			t.Fatalf("nothing checks the block %q", b.name)
		}
		if !slices.Equal(statuses, check.statuses) {
			t.Errorf("block %q: HTTP statuses %v, want %v\n%s", b.name, statuses, check.statuses, out.String())
		}
		for _, want := range check.output {
			if !strings.Contains(out.String(), want) {
				t.Errorf("block %q: the output lacks %q:\n%s", b.name, want, out.String())
			}
		}
	}
}

// freshClone makes a folder holding the repository's tracked files (as
// links), and nothing beside it: what a clone anywhere has, before any
// data directory.
func freshClone(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("git", "-C", root, "ls-files").Output()
	if err != nil {
		t.Skipf("not in a git checkout: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "writ")
	seen := map[string]bool{}
	for _, f := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			continue // deleted in the working tree
		}
		target := filepath.Join(dir, f)
		if seen[target] {
			continue
		}
		seen[target] = true
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(root, f), target); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// walkthroughServer is the README's "writ serve", in the background, on
// one free port each time it starts.
type walkthroughServer struct {
	t    *testing.T
	bin  string
	dir  string
	env  []string
	cmd  *exec.Cmd
	addr string
}

// start stops the server if it runs, starts it with args and waits until
// it answers.
func (s *walkthroughServer) start(args []string) {
	s.t.Helper()
	s.stop()
	if s.addr == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.t.Fatal(err)
		}
		s.addr = ln.Addr().String()
		ln.Close()
	}
	s.cmd = exec.Command(s.bin, append([]string{"serve", "--addr", s.addr}, args...)...)
	s.cmd.Dir, s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = s.dir, s.env, io.Discard, io.Discard
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get("http://" + s.addr + "/livez")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	s.t.Fatalf("writ serve %v did not answer on %s within a minute", args, s.addr)
}

// stop ends the server as Ctrl-C would, and waits for it.
func (s *walkthroughServer) stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}
