//go:build unix

package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"writ/notify/notifytest"
	"writ/store/storetest"
)

// Three servers on one PostgreSQL behind HAProxy (round robin, health
// checks on /readyz): agencies submit with Idempotency-Keys, the legal
// team signs in and views pages, all through the balancer, and one server
// is killed (SIGKILL) in the middle of it. A submission that got no answer
// is sent again with its key, as a client would. Then: every demand
// acknowledged is on record once and no other, every sign-in worked
// whichever server showed its form, the audit log verifies as one
// history, and every demand's notice reached the SMTP server once.
//
// The server killed works no jobs (--jobs=false): a job it held when
// killed would be taken over only after its lease (minutes), which
// TestCrashMidSendSendsAgainUnderTheSameMessageID covers.
func TestThreeServersBehindHAProxy(t *testing.T) {
	haproxy(t)
	mail := notifytest.StartSMTP(t)
	db := storetest.PostgresSchema(t)
	tokens := loadDemo(t, db)
	logKey := filepath.Join(t.TempDir(), "log.key")
	flags := append([]string{"--trusted-proxy", "127.0.0.1"}, smtpFlags(t, mail)...)
	a, victim := startServer(t, db, logKey, flags...), startServer(t, db, logKey, append(flags, "--jobs=false")...)
	b := startServer(t, db, logKey, flags...)
	front := startHAProxy(t, a, victim, b)
	c := newClient(t)

	var (
		mu      sync.Mutex
		acked   = map[string]int64{}
		stop    atomic.Bool
		wg      sync.WaitGroup
		retries atomic.Int64
	)
	for w := range 6 {
		wg.Go(func() {
			for n := 0; !stop.Load(); n++ {
				ref := fmt.Sprintf("THREE-%d-%d", w, n)
				for try := 0; ; try++ {
					res, err := c.submit(front, tokens["agency"], "three-"+ref, ref)
					if err == nil && res.status == http.StatusCreated {
						mu.Lock()
						acked[ref] = res.demand.ID
						mu.Unlock()
						break
					}
					// No answer, or the balancer's 502/503 for a server
					// that died mid-request: send it again with its key.
					if try == 20 || err == nil && res.status < 500 {
						t.Errorf("submission %s, try %d: %v %d %s", ref, try, err, res.status, short(res.body))
						return
					}
					retries.Add(1)
					time.Sleep(100 * time.Millisecond)
				}
			}
		})
	}
	signIns := map[string][]string{}
	for i, email := range []string{"reviewer@provider.example", "approver@provider.example", "admin@provider.example", "auditor@provider.example"} {
		if i == 2 {
			victim.kill(t)
		}
		br := signIn(t, front, credential(t, email))
		signIns[email] = br.servedBy
		for range 2 {
			if status, page, by := br.do(t, "GET", "/queue", nil); status != 200 || !strings.Contains(page, "Queue") {
				t.Fatalf("%s's queue from %s: %d\n%s", email, by, status, short([]byte(page)))
			}
		}
	}
	time.Sleep(time.Second)
	stop.Store(true)
	wg.Wait()
	if t.Failed() {
		return
	}
	crossed := 0
	for email, by := range signIns {
		if by[0] != by[1] || by[2] != by[3] {
			crossed++
		}
		for _, s := range by {
			if s == "" {
				t.Fatalf("%s's sign-in: a step without X-Served-By: %v", email, by)
			}
		}
	}
	if crossed == 0 {
		t.Fatalf("no sign-in posted a form to another server than the one that showed it: %v", signIns)
	}
	t.Logf("%d submissions acknowledged, %d sent again; sign-ins served by %v", len(acked), retries.Load(), signIns)

	// Nothing lost or doubled, through either surviving server.
	checkExactlyOnce(t, c.listDemands(t, a.url, tokens["admin"]), acked)
	checkExactlyOnce(t, c.listDemands(t, b.url, tokens["admin"]), acked)

	// One history: the three servers appended to one log.
	logVerifies(t, db, logKey)

	// Every demand's notice went out once.
	if !waitFor(func() bool { return len(noticesTo(mail)) >= len(acked) }) {
		t.Fatalf("%d notices reached the SMTP server, want %d", len(noticesTo(mail)), len(acked))
	}
	time.Sleep(500 * time.Millisecond) // time for a duplicate to show
	perRef := map[string]int{}
	for _, m := range noticesTo(mail) {
		for ref := range acked {
			if bytes.Contains(m.Data, []byte(ref+"\r\n")) || bytes.Contains(m.Data, []byte(ref+"\n")) || bytes.Contains(m.Data, []byte(ref+" ")) {
				perRef[ref]++
			}
		}
	}
	for ref := range acked {
		if perRef[ref] != 1 {
			t.Errorf("demand %s's notice reached the SMTP server %d times, want once", ref, perRef[ref])
		}
	}
	if n := len(noticesTo(mail)); n != len(acked) {
		t.Errorf("%d notices for %d demands", n, len(acked))
	}
}
