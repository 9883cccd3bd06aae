//go:build unix

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"writ/apiclient"
)

// privatePostgres is a PostgreSQL server of the test's own, so the test
// can stop and start it without disturbing the machine's server that other
// tests use.
type privatePostgres struct {
	t     *testing.T
	bin   string
	data  string
	port  int
	owner string
}

func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	u, err := user.Lookup("postgres")
	if len(bins) == 0 || err != nil || os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("a private PostgreSQL needs its binaries, a postgres user and root (bins %v, %v)", bins, err)
		}
		t.Skip("no PostgreSQL binaries, postgres user or root here")
	}
	// PostgreSQL refuses to run as root: the cluster belongs to postgres,
	// in a directory it can reach.
	dir, err := os.MkdirTemp("", "writ-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	p := &privatePostgres{t: t, bin: filepath.Dir(bins[0]), data: filepath.Join(dir, "data"), port: port, owner: "postgres"}
	p.run(filepath.Join(p.bin, "initdb"), "-D", p.data, "-A", "trust", "-U", "postgres", "--no-sync")
	p.start()
	t.Cleanup(func() {
		exec.Command("runuser", "-u", p.owner, "--", filepath.Join(p.bin, "pg_ctl"), "-D", p.data, "-m", "immediate", "stop").Run()
	})
	return p
}

func (p *privatePostgres) run(args ...string) {
	p.t.Helper()
	cmd := exec.Command("runuser", append([]string{"-u", p.owner, "--"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		p.t.Fatalf("%v: %v\n%s", args, err, out)
	}
}

func (p *privatePostgres) start() {
	p.t.Helper()
	p.run(filepath.Join(p.bin, "pg_ctl"), "-D", p.data, "-w", "-l", filepath.Join(filepath.Dir(p.data), "log"),
		"-o", fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s", p.port, filepath.Dir(p.data)), "start")
}

func (p *privatePostgres) stop() {
	p.t.Helper()
	p.run(filepath.Join(p.bin, "pg_ctl"), "-D", p.data, "-m", "fast", "-w", "stop")
}

func (p *privatePostgres) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// With PostgreSQL stopped, writ answers 503 with a clear message and
// /readyz 503 (while /livez stays 200); once it is back, writ is ready and
// works again without a restart, and no demand it acknowledged is lost.
func TestPostgresOutageAnswers503AndRecovers(t *testing.T) {
	pg := startPrivatePostgres(t)
	db := pg.url()
	tokens := loadDemo(t, db)
	srv := startServer(t, db, filepath.Join(t.TempDir(), "log.key"))
	c := newClient(t)
	acked := map[string]int64{}
	submit := func(ref string) (int, []byte) {
		rep, err := read(c.raw(srv.url, tokens["agency"]).CreateDemandWithBody(context.Background(), &apiclient.CreateDemandParams{IdempotencyKey: &ref}, jsonBody, bytes.NewReader(warrant(ref))))
		if err != nil {
			t.Fatalf("submit %s: %v", ref, err)
		}
		if rep.status == http.StatusCreated {
			var d demand
			if err := json.Unmarshal(rep.body, &d); err != nil {
				t.Fatal(err)
			}
			acked[ref] = d.ID
		}
		return rep.status, rep.body
	}
	for i := range 10 {
		if status, body := submit(fmt.Sprintf("BEFORE-%d", i)); status != http.StatusCreated {
			t.Fatalf("before the outage: %d %s", status, body)
		}
	}

	pg.stop()
	for i := range 5 {
		status, body := submit(fmt.Sprintf("DURING-%d", i))
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		json.Unmarshal(body, &e)
		if status != http.StatusServiceUnavailable || e.Error.Code != "EUNAVAILABLE" || e.Error.Message == "" {
			t.Fatalf("during the outage: %d %s", status, body)
		}
	}
	if rep, err := read(c.raw(srv.url, "").Health(context.Background())); err != nil || rep.status != http.StatusServiceUnavailable {
		t.Fatalf("health during the outage: %v %v", rep.status, err)
	}
	// Not ready (a balancer stops sending it requests), but alive (no
	// supervisor restarts it).
	if rep, err := c.do("GET", srv.url+"/readyz", "", nil, ""); err != nil || rep.status != http.StatusServiceUnavailable ||
		!strings.Contains(string(rep.body), `"database":"unreachable`) {
		t.Fatalf("/readyz during the outage: %v %s %v", rep.status, rep.body, err)
	}
	if rep, err := c.do("GET", srv.url+"/livez", "", nil, ""); err != nil || rep.status != http.StatusOK {
		t.Fatalf("/livez during the outage: %v %v", rep.status, err)
	}

	pg.start()
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; ; i++ {
		status, body := submit(fmt.Sprintf("AFTER-%d", i))
		if status == http.StatusCreated {
			break
		}
		if status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("after the outage: %d %s", status, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if rep, err := c.do("GET", srv.url+"/readyz", "", nil, ""); err != nil || rep.status != http.StatusOK {
		t.Fatalf("/readyz after the outage: %v %s %v", rep.status, rep.body, err)
	}
	for i := range 10 {
		if status, body := submit(fmt.Sprintf("LATER-%d", i)); status != http.StatusCreated {
			t.Fatalf("after recovery: %d %s", status, body)
		}
	}
	// Every acknowledged demand is there, once; the refused ones are not.
	listed := c.listDemands(t, srv.url, tokens["admin"])
	checkExactlyOnce(t, listed, acked)
}
