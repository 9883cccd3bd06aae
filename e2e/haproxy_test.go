//go:build unix

package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"writ/demo"
	"writ/identity"
	"writ/store/storetest"
)

// haproxy returns the path of HAProxy. Outside CI a machine without it
// skips the test; CI installs it (.ci/run), so there a missing HAProxy is
// a failure.
func haproxy(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"haproxy", "/usr/sbin/haproxy"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("haproxy is not installed: apt-get install -y haproxy")
	}
	t.Skip("haproxy is not installed (apt-get install -y haproxy)")
	return ""
}

// freePort is a loopback port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startHAProxy balances requests round robin over servers and names the
// one that answered in X-Served-By. It returns the address it listens on.
func startHAProxy(t *testing.T, servers ...*server) string {
	t.Helper()
	bin := haproxy(t)
	port := freePort(t)
	var backends strings.Builder
	for i, s := range servers {
		fmt.Fprintf(&backends, "  server writ%d %s\n", i, strings.TrimPrefix(s.url, "http://"))
	}
	cfg := fmt.Sprintf(`global
  maxconn 200
defaults
  mode http
  option forwardfor
  option http-server-close
  timeout connect 2s
  timeout client 20s
  timeout server 20s
frontend writ
  bind 127.0.0.1:%d
  default_backend writs
backend writs
  balance roundrobin
  http-response set-header X-Served-By %%[srv_name]
%s`, port, backends.String())
	file := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-db", "-f", file)
	var log syncBuffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			t.Logf("haproxy log:\n%s", log.String())
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("haproxy does not listen on %s:\n%s", addr, log.String())
		}
	}
}

var formToken = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// Two servers on one PostgreSQL behind one address (HAProxy, round robin)
// accept a sign-in whose form came from the other server: the form's
// token key is shared through the database, the session lives there, and
// the browser's Origin matches the address it sees.
func TestSignInBehindALoadBalancer(t *testing.T) {
	haproxy(t)
	db := storetest.PostgresSchema(t)
	loadDemo(t, db)
	logKey := filepath.Join(t.TempDir(), "log.key")
	a := startServer(t, db, logKey, "--trusted-proxy", "127.0.0.1")
	b := startServer(t, db, logKey, "--trusted-proxy", "127.0.0.1")
	front := startHAProxy(t, a, b)

	var reviewer demo.Credential
	for _, c := range demo.Credentials() {
		if c.Email == "reviewer@provider.example" {
			reviewer = c
		}
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second,
		Transport:     &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequest(method, front+path, body)
		if err != nil {
			t.Fatal(err)
		}
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			// What a browser sends with a form of this address.
			req.Header.Set("Origin", front)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		page, _ := io.ReadAll(res.Body)
		return res, string(page)
	}

	res, page := do("GET", "/signin", nil)
	m := formToken.FindStringSubmatch(page)
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("GET /signin: %d\n%s", res.StatusCode, page)
	}
	formFrom := res.Header.Get("X-Served-By")
	res, page = do("POST", "/signin", url.Values{"csrf": {m[1]}, "email": {reviewer.Email}, "password": {reviewer.Password}, "next": {"/queue"}})
	if res.Header.Get("X-Served-By") == formFrom || formFrom == "" {
		t.Fatalf("the form and the sign-in were both served by %q: the balancer did not alternate", formFrom)
	}
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin/code") {
		t.Fatalf("the sign-in with %s's form, sent to %s: %d %s\n%s", formFrom, res.Header.Get("X-Served-By"), res.StatusCode, res.Header.Get("Location"), page)
	}
	res, page = do("GET", res.Header.Get("Location"), nil)
	m = formToken.FindStringSubmatch(page)
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("the code form: %d\n%s", res.StatusCode, page)
	}
	codeFrom := res.Header.Get("X-Served-By")
	code, err := identity.TOTPCode(reviewer.TOTPSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	res, page = do("POST", "/signin/code", url.Values{"csrf": {m[1]}, "code": {code}, "next": {"/queue"}})
	if res.Header.Get("X-Served-By") == codeFrom || res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/queue" {
		t.Fatalf("the code from %s's form, sent to %s: %d %s\n%s", codeFrom, res.Header.Get("X-Served-By"), res.StatusCode, res.Header.Get("Location"), page)
	}
	for range 2 {
		res, page = do("GET", "/queue", nil)
		if res.StatusCode != 200 || !strings.Contains(page, "Signed in as") && !strings.Contains(page, "Queue") {
			t.Fatalf("the queue from %s: %d\n%s", res.Header.Get("X-Served-By"), res.StatusCode, page)
		}
	}
	// A form posted from another site is refused by either server.
	req, _ := http.NewRequest("POST", front+"/signout", strings.NewReader("csrf=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("a cross-origin form answers %d, want 403", res.StatusCode)
	}
}
