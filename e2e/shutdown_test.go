//go:build unix

package e2e

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"writ/store/storetest"
)

// SIGTERM in the middle of a burst of submissions: the server stops taking
// connections, answers the requests it had, stops its jobs and exits 0;
// every submission it acknowledged is on record once (read back through
// a new server on the same database), and none it answered failed.
func TestSIGTERMFinishesRequestsInFlight(t *testing.T) {
	db := storetest.PostgresSchema(t)
	tokens := loadDemo(t, db)
	logKey := filepath.Join(t.TempDir(), "log.key")
	srv := startServer(t, db, logKey, "--job-poll", "100ms")
	c := newClient(t)
	var (
		mu       sync.Mutex
		acked    = map[string]int64{}
		answered atomic.Int64
		wg       sync.WaitGroup
	)
	for w := range 6 {
		wg.Go(func() {
			for n := 0; ; n++ {
				ref := fmt.Sprintf("TERM-%d-%d", w, n)
				res, err := c.submit(srv.url, tokens["agency"], ref, ref)
				if err != nil {
					return // the server no longer takes connections
				}
				answered.Add(1)
				if res.status != http.StatusCreated {
					t.Errorf("submission %s during shutdown: %d %s", ref, res.status, short(res.body))
					return
				}
				mu.Lock()
				acked[ref] = res.demand.ID
				mu.Unlock()
			}
		})
	}
	for answered.Load() < 30 {
		time.Sleep(10 * time.Millisecond)
	}
	if err := syscall.Kill(srv.cmd.Process.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-srv.exited:
	case <-time.After(40 * time.Second):
		t.Fatalf("writ serve did not exit within 40s of SIGTERM:\n%s", srv.stderr)
	}
	wg.Wait()
	if srv.err != nil {
		t.Fatalf("writ serve ended with %v after SIGTERM, not 0:\n%s", srv.err, srv.stderr)
	}
	if log := srv.stderr.String(); !strings.Contains(log, "shutting down") || !strings.Contains(log, "msg=stopped") {
		t.Fatalf("the log does not tell of the shutdown:\n%s", log)
	}
	after := startServer(t, db, logKey)
	checkExactlyOnce(t, c.listDemands(t, after.url, tokens["admin"]), acked)
}
