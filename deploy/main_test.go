package deploy

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// binDir holds the static writ binary the tests build, once, on demand.
var binDir string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "writ-deploy-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "deploy:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// Open to all, so that a test may run the binary as another user.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "deploy:", err)
		return 1
	}
	binDir = dir
	return m.Run()
}

var (
	buildOnce sync.Once
	buildErr  error
)

// writBinary returns the path of writ built as it is deployed: static
// (CGO_ENABLED=0), as deploy/container/build builds it.
func writBinary(t *testing.T) string {
	t.Helper()
	if prebuilt := os.Getenv("WRIT_TEST_BINARY"); prebuilt != "" {
		// ./test builds writ static, as deployed, for every package
		// that runs it.
		return prebuilt
	}
	bin := filepath.Join(binDir, "writ")
	buildOnce.Do(func() {
		// "go test" puts its own GOROOT/bin first on PATH, so this is the
		// same toolchain that is running the tests.
		cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "writ/cmd/writ")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build writ/cmd/writ: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return bin
}

// tool returns the path of a program a test checks with. A missing one
// skips the test, except under CI=true, where .ci/run installs it.
func tool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; .ci/run installs it", name)
	}
	t.Skipf("%s is not installed", name)
	return ""
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

// serve starts cmd, which runs writ serve, and returns the address from
// writ's first line, "writ listening on URL", and a channel that receives
// what Wait returns. When the test ends stop runs, then what the process
// printed on standard error is shown if the test failed.
func serve(t *testing.T, cmd *exec.Cmd, stop func()) (string, <-chan error) {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "stderr.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logFile
	err = cmd.Start()
	logFile.Close() // the process has its own
	if err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			log, _ := os.ReadFile(logPath)
			t.Logf("%s log:\n%s", strings.Join(cmd.Args, " "), log)
		}
	})

	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case l, ok := <-line:
		url, found := strings.CutPrefix(l, "writ listening on ")
		if !ok || !found {
			t.Fatalf("writ's first line is %q, want \"writ listening on URL\"", l)
		}
		return url, exited
	case <-time.After(60 * time.Second):
		t.Fatal("writ did not say where it listens within 60s")
	}
	return "", nil
}
