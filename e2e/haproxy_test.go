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
		fmt.Fprintf(&backends, "  server writ%d %s check inter 500ms fall 3 rise 2\n", i, strings.TrimPrefix(s.url, "http://"))
	}
	cfg := fmt.Sprintf(`global
  maxconn 200
defaults
  mode http
  option forwardfor
  option http-server-close
  option redispatch
  retries 3
  timeout connect 2s
  timeout client 20s
  timeout server 20s
  timeout check 5s
frontend writ
  bind 127.0.0.1:%d
  default_backend writs
backend writs
  balance roundrobin
  option httpchk GET /readyz
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
	t.Parallel()
	haproxy(t)
	db := storetest.PostgresSchema(t)
	loadDemo(t, db)
	logKey := filepath.Join(t.TempDir(), "log.key")
	a := startServer(t, db, logKey, "--trusted-proxy", "127.0.0.1")
	b := startServer(t, db, logKey, "--trusted-proxy", "127.0.0.1")
	front := startHAProxy(t, a, b)

	bs := signIn(t, front, credential(t, "reviewer@provider.example"))
	// Round robin over two servers and nothing else running: each step
	// went to the other server than the form it posts.
	if bs.servedBy[0] == bs.servedBy[1] || bs.servedBy[2] == bs.servedBy[3] {
		t.Fatalf("the forms and their posts were served by %v: the balancer did not alternate", bs.servedBy)
	}
	for range 2 {
		if status, page, by := bs.do(t, "GET", "/queue", nil); status != 200 || !strings.Contains(page, "Queue") {
			t.Fatalf("the queue from %s: %d\n%s", by, status, page)
		}
	}
	c := bs.hc
	// A form posted from another site is refused by either server.
	req, _ := http.NewRequest("POST", front+"/signout", strings.NewReader("csrf=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("a cross-origin form answers %d, want 403", res.StatusCode)
	}
}

// credential is the demo sign-in of the user with this e-mail address.
func credential(t *testing.T, email string) demo.Credential {
	t.Helper()
	for _, c := range demo.Credentials() {
		if c.Email == email {
			return c
		}
	}
	t.Fatalf("no demo user %s", email)
	return demo.Credential{}
}

// browser is a signed-in browser's cookie jar at front, one connection a
// request (so that a balancer may send each to another server).
type browser struct {
	front string
	hc    *http.Client
	// servedBy names the server of each step of the sign-in: the
	// password form, its post, the code form, its post.
	servedBy []string
}

// do sends a request as a browser of front would, and returns the status,
// the page and the server that answered (X-Served-By).
func (b *browser) do(t *testing.T, method, path string, form url.Values) (int, string, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.front+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// What a browser sends with a form of this address.
		req.Header.Set("Origin", b.front)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	res, err := b.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusSeeOther {
		return res.StatusCode, res.Header.Get("Location"), res.Header.Get("X-Served-By")
	}
	return res.StatusCode, string(page), res.Header.Get("X-Served-By")
}

// signIn signs in through front with password and TOTP code, each form
// posted to whichever server the balancer picks, and fails the test unless
// it ends on the queue.
func signIn(t *testing.T, front string, who demo.Credential) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{front: front, hc: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		Transport:     &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	status, page, by := b.do(t, "GET", "/signin", nil)
	m := formToken.FindStringSubmatch(page)
	if status != 200 || m == nil {
		t.Fatalf("GET /signin from %s: %d\n%s", by, status, page)
	}
	b.servedBy = append(b.servedBy, by)
	status, next, by := b.do(t, "POST", "/signin", url.Values{"csrf": {m[1]}, "email": {who.Email}, "password": {who.Password}, "next": {"/queue"}})
	b.servedBy = append(b.servedBy, by)
	if status != http.StatusSeeOther || !strings.HasPrefix(next, "/signin/code") {
		t.Fatalf("%s's sign-in with %s's form, sent to %s: %d %s", who.Email, b.servedBy[0], by, status, next)
	}
	status, page, by = b.do(t, "GET", next, nil)
	m = formToken.FindStringSubmatch(page)
	if status != 200 || m == nil {
		t.Fatalf("the code form from %s: %d\n%s", by, status, page)
	}
	b.servedBy = append(b.servedBy, by)
	code, err := identity.TOTPCode(who.TOTPSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	status, next, by = b.do(t, "POST", "/signin/code", url.Values{"csrf": {m[1]}, "code": {code}, "next": {"/queue"}})
	b.servedBy = append(b.servedBy, by)
	if status != http.StatusSeeOther || next != "/queue" {
		t.Fatalf("%s's code from %s's form, sent to %s: %d %s", who.Email, b.servedBy[2], by, status, next)
	}
	return b
}

// Behind a proxy that terminates TLS (--proxy-tls), writ serves plain HTTP
// to the proxy but marks its cookies Secure with the __Host- prefix and
// sends HSTS, as it does serving TLS itself; without --trusted-proxy the
// setting is refused.
func TestProxyTLSMakesCookiesSecure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "writ.db")
	loadDemo(t, db)
	cmd := exec.Command(writBin, "serve", "--db", db, "--proxy-tls", "--addr", "127.0.0.1:0")
	cmd.Env = writEnv()
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "needs --trusted-proxy") {
		t.Fatalf("--proxy-tls without --trusted-proxy: %v\n%s", err, out)
	}
	s := startServer(t, db, filepath.Join(dir, "log.key"), "--proxy-tls", "--trusted-proxy", "127.0.0.1")
	who := credential(t, "reviewer@provider.example")
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Get(s.url + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	// A browser sends Secure cookies only over HTTPS, which the proxy
	// speaks: they are carried by hand here.
	fromForm := res.Cookies()
	m := formToken.FindStringSubmatch(string(page))
	if m == nil {
		t.Fatalf("no form token on /signin:\n%s", page)
	}
	req, _ := http.NewRequest("POST", s.url+"/signin", strings.NewReader(url.Values{"csrf": {m[1]}, "email": {who.Email}, "password": {who.Password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for _, c := range fromForm {
		req.AddCookie(c)
	}
	if res, err = hc.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cookies := res.Cookies()
	if res.StatusCode != http.StatusSeeOther || len(cookies) == 0 {
		t.Fatalf("the sign-in: %d, cookies %v", res.StatusCode, cookies)
	}
	for _, c := range cookies {
		if !c.Secure || !strings.HasPrefix(c.Name, "__Host-") {
			t.Fatalf("cookie %s is not a Secure __Host- cookie behind a TLS proxy: %v", c.Name, c)
		}
	}
	if h := res.Header.Get("Strict-Transport-Security"); h == "" {
		t.Fatal("no HSTS behind a TLS proxy")
	}
}
