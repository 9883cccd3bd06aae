package writ_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// keyMaterial matches what writ's keys look like in a file: a line of a
// documents key file ("ID BASE64KEY" with a 32-byte key), a signed-note
// private key, and a PEM private key.
var keyMaterial = []*regexp.Regexp{
	regexp.MustCompile(`(?m)^[0-9a-f]{8} [A-Za-z0-9+/]{43}=$`),
	regexp.MustCompile(`PRIVATE\+KEY\+`),
	regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`),
}

// The repository holds no key, database or data directory: tests and
// "writ demo" make their own, and .gitignore keeps them out.
func TestNoKeyMaterialInGit(t *testing.T) {
	out, err := exec.Command("git", "ls-files", "-z").Output()
	if err != nil || len(out) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("git ls-files: %v", err)
		}
		t.Skipf("not a git checkout (git ls-files: %v)", err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		base := filepath.Base(name)
		if strings.HasSuffix(base, ".key") || strings.HasSuffix(base, ".db") || strings.Contains(name, "writ-data/") {
			t.Errorf("%s is in git: keys, databases and data directories stay out", name)
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			continue // deleted in the work tree
		}
		if bytes.IndexByte(data, 0) >= 0 && !strings.Contains(name, "testdata/") {
			continue // binary
		}
		for _, re := range keyMaterial {
			if loc := re.FindIndex(data); loc != nil {
				t.Errorf("%s holds key material at byte %d (%s)", name, loc[0], re)
			}
		}
	}
	// .gitignore keeps the data directory and keys out wherever a test or
	// a developer's command makes them.
	for _, path := range []string{"writ-data/documents.key", "e2e/writ-data/writ.db", "cmd/writ/writ-data/log.key", "x/documents.key"} {
		if err := exec.Command("git", "check-ignore", "-q", path).Run(); err != nil {
			t.Errorf("%s is not ignored by .gitignore", path)
		}
	}
}
