package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestScripts runs the built writ binary on each testdata/script/*.txt, in
// an empty folder with no WRIT_* settings, and compares what it prints and
// its exit status exactly. A script holds commands, each as
//
//	$ writ ARGS...
//	exit N
//	-- stdout --
//	...
//	-- stderr --
//	...
//
// where a missing stdout or stderr section means the command prints
// nothing there, and blank lines at a section's end only separate steps.
// "absent PATH", before the sections, says a file or folder must not exist
// after the command.
func TestScripts(t *testing.T) {
	bin := os.Getenv("WRIT_TEST_BINARY") // built from this checkout by ./test
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "writ")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	paths, err := filepath.Glob("testdata/script/*.txt")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			runScript(t, bin, string(data))
		})
	}
}

// scriptStep is one command of a script and what it must do.
type scriptStep struct {
	args           []string
	exit           int
	stdout, stderr string
	absent         []string
}

func parseScript(t *testing.T, text string) []scriptStep {
	var steps []scriptStep
	var section *string
	for _, line := range strings.SplitAfter(text, "\n") {
		trimmed := strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(trimmed, "$ writ"):
			steps = append(steps, scriptStep{args: strings.Fields(trimmed)[2:]})
			section = nil
		case len(steps) == 0 || (section == nil && (trimmed == "" || strings.HasPrefix(trimmed, "#"))):
		case trimmed == "-- stdout --":
			section = &steps[len(steps)-1].stdout
		case trimmed == "-- stderr --":
			section = &steps[len(steps)-1].stderr
		case section != nil:
			*section += line
		case strings.HasPrefix(trimmed, "exit "):
			n, err := strconv.Atoi(strings.TrimPrefix(trimmed, "exit "))
			if err != nil {
				t.Fatalf("bad line %q", trimmed)
			}
			steps[len(steps)-1].exit = n
		case strings.HasPrefix(trimmed, "absent "):
			steps[len(steps)-1].absent = append(steps[len(steps)-1].absent, strings.TrimPrefix(trimmed, "absent "))
		default:
			t.Fatalf("bad line %q", trimmed)
		}
	}
	for i := range steps {
		for _, s := range []*string{&steps[i].stdout, &steps[i].stderr} {
			if *s != "" {
				*s = strings.TrimRight(*s, "\n") + "\n"
			}
		}
	}
	return steps
}

func runScript(t *testing.T, bin, text string) {
	dir := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WRIT_") {
			env = append(env, kv)
		}
	}
	for _, step := range parseScript(t, text) {
		cmd := exec.Command(bin, step.args...)
		cmd.Dir, cmd.Env = dir, env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		name := "writ " + strings.Join(step.args, " ")
		if code != step.exit {
			t.Errorf("%s: exit %d, want %d\nstderr:\n%s", name, code, step.exit, stderr.String())
		}
		if stdout.String() != step.stdout {
			t.Errorf("%s: stdout\n%s\nwant\n%s", name, stdout.String(), step.stdout)
		}
		if stderr.String() != step.stderr {
			t.Errorf("%s: stderr\n%s\nwant\n%s", name, stderr.String(), step.stderr)
		}
		for _, p := range step.absent {
			if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
				t.Errorf("%s: left %s behind", name, p)
			}
		}
	}
}
