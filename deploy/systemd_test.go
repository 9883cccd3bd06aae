package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"writ/demo"
)

const (
	unitFile = "systemd/writ.service"
	// installedBinary is where the unit expects writ; README.md installs it
	// there.
	installedBinary = "/usr/local/bin/writ"
	// maxExposure is the unit's overall exposure level by "systemd-analyze
	// security" (systemd 252), as README.md gives it: a change that
	// loosens the unit's fences raises it and fails the test.
	maxExposure = 1.1
)

// unitRunning returns a copy of the unit, in a folder of its own, that runs
// bin instead of installedBinary: systemd-analyze checks that the
// program a unit starts exists.
func unitRunning(t *testing.T, bin string) string {
	t.Helper()
	unit, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	start := "ExecStart=" + installedBinary + " "
	if n := strings.Count(string(unit), start); n != 1 {
		t.Fatalf("%s has %d lines starting %q, want 1", unitFile, n, start)
	}
	path := filepath.Join(t.TempDir(), "writ.service")
	copied := strings.Replace(string(unit), start, "ExecStart="+bin+" ", 1)
	if err := os.WriteFile(path, []byte(copied), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// verifyProblems runs "systemd-analyze verify" on a unit file and returns
// what it says about that unit. It answers 0 even for settings it ignores
// (a misspelt key, an unknown system call group), so every line naming
// the unit is a problem; lines about other units on the machine are
// logged.
func verifyProblems(t *testing.T, analyze, path string) []string {
	t.Helper()
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	var problems []string
	if err != nil {
		problems = append(problems, fmt.Sprintf("systemd-analyze verify: %v", err))
	}
	name := filepath.Base(path)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		switch {
		case line == "":
		case strings.Contains(line, name):
			problems = append(problems, line)
		default:
			t.Logf("systemd-analyze verify, about another unit: %s", line)
		}
	}
	return problems
}

// TestSystemdUnitVerifies holds the unit to "systemd-analyze verify": no
// error and no setting it would ignore. Each broken copy shows that the
// check would see such a mistake.
func TestSystemdUnitVerifies(t *testing.T) {
	analyze := tool(t, "systemd-analyze")
	unit := unitRunning(t, writBinary(t))
	if problems := verifyProblems(t, analyze, unit); len(problems) > 0 {
		t.Fatalf("systemd-analyze verify %s:\n%s", unitFile, strings.Join(problems, "\n"))
	}

	good, err := os.ReadFile(unit)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, old, new string }{
		{"misspelt key", "ProtectSystem=strict", "ProtectSytem=strict"},
		{"unknown system call group", "SystemCallFilter=@system-service", "SystemCallFilter=@system-servic"},
		{"bad value", "Restart=on-failure", "Restart=sometimes"},
		{"missing program", "ExecStart=" + writBinary(t), "ExecStart=" + writBinary(t) + "-missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !bytes.Contains(good, []byte(tc.old)) {
				t.Fatalf("the unit has no %q to break", tc.old)
			}
			broken := filepath.Join(t.TempDir(), "writ.service")
			if err := os.WriteFile(broken, bytes.Replace(good, []byte(tc.old), []byte(tc.new), 1), 0o644); err != nil {
				t.Fatal(err)
			}
			if problems := verifyProblems(t, analyze, broken); len(problems) == 0 {
				t.Fatalf("a unit with %q instead of %q passed", tc.new, tc.old)
			}
		})
	}
}

// TestSystemdUnitExposure holds the unit to the exposure level README.md
// gives, by "systemd-analyze security", which judges a unit file without
// a running systemd.
func TestSystemdUnitExposure(t *testing.T) {
	analyze := tool(t, "systemd-analyze")
	unit := unitRunning(t, writBinary(t))
	// --threshold is on the scale of 0 to 100, ten times the level shown.
	cmd := exec.Command(analyze, "security", "--offline=yes", "--no-pager",
		fmt.Sprintf("--threshold=%.0f", math.Round(maxExposure*10)), unit)
	out, err := cmd.CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for writ\.service: (\d+\.\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security: %v; no overall exposure level in:\n%s", err, out)
	}
	level, _ := strconv.ParseFloat(string(m[1]), 64)
	t.Logf("overall exposure level: %.1f", level)
	if err != nil || level > maxExposure {
		t.Fatalf("systemd-analyze security: %v; exposure level %.1f, want at most %.1f:\n%s", err, level, maxExposure, out)
	}
}

// TestSysusersCreatesTheUser installs the unit's sysusers.d file into an
// empty root and runs systemd-sysusers there: it makes the system user and
// group the unit runs as, with the state directory as home and no shell.
func TestSysusersCreatesTheUser(t *testing.T) {
	sysusers := tool(t, "systemd-sysusers")
	conf, err := os.ReadFile("systemd/writ.sysusers")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, dir := range []string{"etc", "usr/lib/sysusers.d"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "usr/lib/sysusers.d/writ.conf"), conf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(sysusers, "--root="+root).CombinedOutput(); err != nil {
		t.Fatalf("systemd-sysusers: %v\n%s", err, out)
	}
	passwd, err := os.ReadFile(filepath.Join(root, "etc/passwd"))
	if err != nil {
		t.Fatal(err)
	}
	group, err := os.ReadFile(filepath.Join(root, "etc/group"))
	if err != nil {
		t.Fatal(err)
	}
	user := regexp.MustCompile(`(?m)^writ:x:(\d+):(\d+):[^:]*:/var/lib/writ:/usr/sbin/nologin$`).FindSubmatch(passwd)
	if user == nil {
		t.Fatalf("no system user writ with home /var/lib/writ and no shell in /etc/passwd:\n%s", passwd)
	}
	if uid, _ := strconv.Atoi(string(user[1])); uid == 0 || uid >= 1000 {
		t.Errorf("writ's uid is %d, want a system user's (1 to 999)", uid)
	}
	if !regexp.MustCompile(`(?m)^writ:x:` + string(user[2]) + `:$`).Match(group) {
		t.Errorf("no group writ with gid %s in /etc/group:\n%s", user[2], group)
	}
	unit, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"User=writ", "Group=writ", "StateDirectory=writ"} {
		if !regexp.MustCompile(`(?m)^` + want + `$`).Match(unit) {
			t.Errorf("%s has no line %q", unitFile, want)
		}
	}
}

// TestSystemdUnitSystemCalls runs writ under strace while it does what a
// server does — starts on an empty data folder, migrates, creates its
// keys, serves pages and the API, takes a demand and a document, signs
// checkpoints, runs its job queue, stops on SIGTERM — and checks that
// every system call it made is one the unit's SystemCallFilter= allows,
// every socket one its RestrictAddressFamilies= allows, and that it made
// no writable executable memory and no namespace. No systemd
// runs as process 1 on the machines the tests run on, so the unit itself
// is never started here; this is what shows that its filters would not
// stop writ. Where the test runs as root, writ runs as nobody, as the unit
// runs it as its own user (SQLite changes the owner of the files it
// makes only when it runs as root).
func TestSystemdUnitSystemCalls(t *testing.T) {
	analyze := tool(t, "systemd-analyze")
	strace := tool(t, "strace")
	bin := writBinary(t)
	allowedCalls, allowedFamilies := unitFilters(t, analyze)

	dir, cred := serverFolder(t)
	db := filepath.Join(dir, "writ.db")
	demo := exec.Command(bin, "demo", "--demands", "0", "--db", db)
	demo.Env, demo.SysProcAttr = writEnv(), &syscall.SysProcAttr{Credential: cred}
	var stderr bytes.Buffer
	demo.Stderr = &stderr
	out, err := demo.Output()
	if err != nil {
		t.Fatalf("writ demo: %v\n%s", err, stderr.Bytes())
	}
	var tokens map[string]string
	if err := json.Unmarshal(out, &tokens); err != nil {
		t.Fatalf("writ demo printed no tokens: %v\n%s", err, out)
	}

	trace := filepath.Join(dir, "strace.out")
	cmd := exec.Command(strace, "-f", "-qq", "-e", "signal=none", "-o", trace,
		bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--checkpoint-interval", "100ms", "--job-poll", "100ms")
	cmd.Env, cmd.SysProcAttr = writEnv(), &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGKILL}
	base, exited := serve(t, cmd, func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })

	exercise(t, base, tokens)
	// Give the checkpoint signer and the job queue a few more turns.
	time.Sleep(500 * time.Millisecond)

	// writ is the first process in the trace; strace itself is not traced.
	first, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.Fields(string(first))[0])
	if err != nil {
		t.Fatalf("no process id at the start of the trace: %.80q", first)
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("writ serve did not stop cleanly on SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("writ serve did not stop within 30s of SIGTERM")
	}

	calls, families, stopped := traced(t, trace)
	// The sign-ins started the child that checks passwords, and strace
	// followed it.
	if all, err := os.ReadFile(trace); err != nil || !bytes.Contains(all, []byte(`, ["writ", "hash-worker"]`)) {
		t.Errorf("the trace shows no hash worker started (%v)", err)
	}
	if len(calls) < 20 {
		t.Fatalf("only %d system calls traced: %v", len(calls), calls)
	}
	var denied []string
	for _, name := range slices.Sorted(maps.Keys(calls)) {
		if !allowedCalls[name] {
			denied = append(denied, fmt.Sprintf("%s (%d times)", name, calls[name]))
		}
	}
	if len(denied) > 0 {
		t.Errorf("writ made system calls the unit's SystemCallFilter= denies: %s", strings.Join(denied, ", "))
	}
	for _, family := range slices.Sorted(maps.Keys(families)) {
		if !allowedFamilies[family] {
			t.Errorf("writ opened a socket of family %s, which the unit's RestrictAddressFamilies= denies", family)
		}
	}
	for fence, n := range stopped {
		t.Errorf("writ made %d system calls the unit's %s stops", n, fence)
	}
	if !t.Failed() {
		t.Logf("%d distinct system calls, socket families %v: all allowed", len(calls), slices.Sorted(maps.Keys(families)))
	}
}

// serverFolder makes an empty data folder for a writ that runs with cred:
// nobody's where the test runs as root, the test's own otherwise.
func serverFolder(t *testing.T) (string, *syscall.Credential) {
	t.Helper()
	if os.Geteuid() != 0 {
		return t.TempDir(), nil
	}
	const nobody = 65534
	// Not t.TempDir(): its parent is open to root alone.
	dir, err := os.MkdirTemp("", "writ-syscalls-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chown(dir, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	return dir, &syscall.Credential{Uid: nobody, Gid: nobody, NoSetGroups: true}
}

// exercise makes the requests a server answers in a day: pages, the API
// for an agency and for the legal team, a document, the public log.
func exercise(t *testing.T, base string, tokens map[string]string) {
	t.Helper()
	do := func(method, path, token, body string, want int) []byte {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if method == "POST" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		got, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %.300s", method, path, resp.StatusCode, want, got)
		}
		return got
	}
	do("GET", "/v1/health", "", "", http.StatusOK)
	do("GET", "/signin", "", "", http.StatusOK)
	do("GET", "/v1/openapi.json", "", "", http.StatusOK)
	created := do("POST", "/v1/demands", tokens["agency"], `{"instrument":"us_search_warrant","issued_by":"judge",
		"data_categories":["content"],"accounts":["jdoe1987@mail.example"],"reference":"SYSCALLS-1"}`, http.StatusCreated)
	var demand struct{ ID int64 }
	if err := json.Unmarshal(created, &demand); err != nil || demand.ID == 0 {
		t.Fatalf("POST /v1/demands answered no demand id: %v: %s", err, created)
	}
	do("POST", fmt.Sprintf("/v1/demands/%d/documents?name=warrant.pdf", demand.ID), tokens["agency"], "%PDF-1.7 a warrant", http.StatusCreated)
	do("GET", "/v1/demands?limit=5", tokens["reviewer"], "", http.StatusOK)
	do("GET", fmt.Sprintf("/v1/demands/%d/assessment", demand.ID), tokens["reviewer"], "", http.StatusOK)
	do("GET", "/transparency", "", "", http.StatusOK)
	// A sign-in's password is checked by a child process, started then.
	signIn(t, base, "reviewer@provider.example", demo.Password, http.StatusSeeOther)
	signIn(t, base, "reviewer@provider.example", "not the password", http.StatusUnauthorized)
	// The log's first checkpoint is signed by a goroutine of its own once
	// writ has started, within --checkpoint-interval.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(base + "/log/checkpoint")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /log/checkpoint: %d 10s after start, want 200", resp.StatusCode)
		}
	}
}

// signIn posts the sign-in form with email and password, as a browser
// would, and fails the test unless writ answers want.
func signIn(t *testing.T, base, email, password string, want int) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Get(base + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no form token on /signin:\n%s", page)
	}
	form := url.Values{"csrf": {string(m[1])}, "email": {email}, "password": {password}}
	req, _ := http.NewRequest("POST", base+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if res, err = hc.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != want {
		t.Fatalf("POST /signin: %d, want %d", res.StatusCode, want)
	}
}

// unitFilters reads the unit's SystemCallFilter= and
// RestrictAddressFamilies= lines and returns the system calls and socket
// families they allow, expanding system call groups as this machine's
// systemd does. It handles the shape the unit has: an allow list, then
// lists to take away ("~") or give back, each in its turn, as systemd
// reads them.
func unitFilters(t *testing.T, analyze string) (calls, families map[string]bool) {
	t.Helper()
	unit, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	groups := syscallGroups(t, analyze)
	calls, families = map[string]bool{}, map[string]bool{}
	filters := 0
	for _, line := range strings.Split(string(unit), "\n") {
		key, value, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		switch key {
		case "SystemCallFilter":
			deny := strings.HasPrefix(value, "~")
			if filters == 0 && deny {
				t.Fatalf("%s: the first SystemCallFilter= is a deny list; this test reads allow lists", unitFile)
			}
			filters++
			for _, item := range strings.Fields(strings.TrimPrefix(value, "~")) {
				for name := range expand(t, groups, item, map[string]bool{}) {
					calls[name] = !deny
				}
			}
		case "RestrictAddressFamilies":
			if strings.HasPrefix(value, "~") {
				t.Fatalf("%s: RestrictAddressFamilies= is a deny list; this test reads an allow list", unitFile)
			}
			for _, family := range strings.Fields(value) {
				families[family] = true
			}
		}
	}
	if filters == 0 || len(families) == 0 {
		t.Fatalf("%s has no SystemCallFilter= or no RestrictAddressFamilies=", unitFile)
	}
	return calls, families
}

// syscallGroups reads "systemd-analyze syscall-filter": each group
// ("@name") with its members, system calls and other groups.
func syscallGroups(t *testing.T, analyze string) map[string][]string {
	t.Helper()
	out, err := exec.Command(analyze, "syscall-filter", "--no-pager").Output()
	if err != nil {
		t.Fatalf("systemd-analyze syscall-filter: %v", err)
	}
	groups := map[string][]string{}
	group := ""
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(line, "@"):
			group = strings.TrimSpace(line)
		case group != "" && strings.HasPrefix(line, "    "):
			if item := strings.TrimSpace(line); !strings.HasPrefix(item, "#") {
				groups[group] = append(groups[group], item)
			}
		default:
			group = ""
		}
	}
	if len(groups["@system-service"]) == 0 {
		t.Fatalf("systemd-analyze syscall-filter lists no @system-service:\n%s", out)
	}
	return groups
}

// expand returns the system calls an item of a filter names: itself, or
// a group's, recursively.
func expand(t *testing.T, groups map[string][]string, item string, seen map[string]bool) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	if !strings.HasPrefix(item, "@") {
		out[item] = true
		return out
	}
	members, ok := groups[item]
	if !ok {
		t.Fatalf("%s names %s, which systemd does not know", unitFile, item)
	}
	if seen[item] {
		return out
	}
	seen[item] = true
	for _, m := range members {
		for name := range expand(t, groups, m, seen) {
			out[name] = true
		}
	}
	return out
}

var (
	// A traced call starts "PID name("; one that another thread
	// interrupted goes on in a line "PID <... name resumed>", not counted.
	callLine = regexp.MustCompile(`^\d+\s+([a-z0-9_]+)\(`)
	socketOf = regexp.MustCompile(`^\d+\s+socket(?:pair)?\((AF_[A-Z0-9]+)`)
	// What the unit's other fences stop, by the setting that stops it.
	fenced = map[string]*regexp.Regexp{
		"MemoryDenyWriteExecute=": regexp.MustCompile(`^\d+\s+(?:mmap|mprotect|pkey_mprotect)\(.*PROT_WRITE\|PROT_EXEC`),
		"RestrictNamespaces=":     regexp.MustCompile(`^\d+\s+(?:clone3?|unshare)\(.*CLONE_NEW`),
	}
)

// traced counts the system calls in an strace -f output, the socket
// families asked for, and the calls another fence of the unit would stop,
// by that fence.
func traced(t *testing.T, path string) (calls, families, stopped map[string]int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	calls, families, stopped = map[string]int{}, map[string]int{}, map[string]int{}
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		line := s.Text()
		if m := callLine.FindStringSubmatch(line); m != nil {
			calls[m[1]]++
		}
		if m := socketOf.FindStringSubmatch(line); m != nil {
			families[m[1]]++
		}
		for fence, re := range fenced {
			if re.MatchString(line) {
				stopped[fence]++
			}
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return calls, families, stopped
}
