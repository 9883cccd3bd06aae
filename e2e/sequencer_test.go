//go:build unix

package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"writ/store/storetest"
)

// verifyLog signs a checkpoint of db's audit log now and verifies the
// whole log against it with the writ command.
func verifyLog(t *testing.T, db, logKey string) {
	t.Helper()
	out, err := exec.Command(writBin, append([]string{"log", "checkpoint", "--db", db, "--log-key", logKey}, keyFlags(db)...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("writ log checkpoint: %v\n%s", err, out)
	}
	logVerifies(t, db, logKey)
}

// logVerifies checks the whole log of db against its latest checkpoint
// with the writ command.
func logVerifies(t *testing.T, db, logKey string) {
	t.Helper()
	out, err := exec.Command(writBin, append([]string{"log", "verify", "--db", db, "--log-key", logKey}, keyFlags(db)...)...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "verified") {
		t.Fatalf("writ log verify: %v\n%s", err, out)
	}
}

// TestFrozenServerDoesNotStallTheOther runs two servers on one PostgreSQL
// database, both under load, and stops one of them with SIGSTOP for 15
// seconds, as a long GC pause or a frozen VM would, whatever it was doing
// — possibly appending to the audit log, whose head every server shares.
// The other must go on acknowledging demands through the pause; afterwards
// every acknowledged demand is on record and the log verifies whole. The
// ratio of the healthy server's acknowledgements a second during the pause
// to those before it is printed (bench/run records it).
func TestFrozenServerDoesNotStallTheOther(t *testing.T) {
	const (
		before = 5 * time.Second
		pause  = 15 * time.Second
	)
	db := storetest.PostgresSchema(t)
	tokens := loadDemo(t, db)
	agency, admin := tokens["agency"], tokens["admin"]
	c := newClient(t)
	logKey := filepath.Join(t.TempDir(), "log.key")
	frozen, healthy := startServer(t, db, logKey), startServer(t, db, logKey)

	var (
		stop    atomic.Bool
		mu      sync.Mutex
		acked   = map[string]int64{} // reference → id
		ackedAt []time.Time          // the healthy server's acknowledgements
		wg      sync.WaitGroup
	)
	load := func(srv *server, name string, workers int, timed bool) {
		for w := range workers {
			wg.Go(func() {
				for n := 0; !stop.Load(); n++ {
					ref := fmt.Sprintf("E2E-FROZEN-%s-%d-%d", name, w, n)
					res, err := c.submit(srv.url, agency, "frozen-"+ref, ref)
					if err != nil || res.status != http.StatusCreated {
						if timed {
							t.Errorf("the healthy server did not acknowledge %s: %v %d %s", ref, err, res.status, short(res.body))
							return
						}
						continue // the frozen server's clients time out
					}
					mu.Lock()
					acked[ref] = res.demand.ID
					if timed {
						ackedAt = append(ackedAt, time.Now())
					}
					mu.Unlock()
				}
			})
		}
	}
	load(frozen, "frozen", 3, false)
	load(healthy, "healthy", 3, true)

	time.Sleep(time.Second) // warm up
	t0 := time.Now()
	time.Sleep(before)
	t1 := time.Now()
	if err := syscall.Kill(frozen.cmd.Process.Pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(pause)
	t2 := time.Now()
	if err := syscall.Kill(frozen.cmd.Process.Pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	stop.Store(true)
	wg.Wait()

	mu.Lock()
	var n0, n1 int
	var worst time.Duration
	last := t1
	for _, at := range ackedAt {
		switch {
		case at.After(t0) && !at.After(t1):
			n0++
		case at.After(t1) && !at.After(t2):
			n1++
			worst = max(worst, at.Sub(last))
			last = at
		}
	}
	worst = max(worst, t2.Sub(last))
	mu.Unlock()
	rateBefore, rateDuring := float64(n0)/t1.Sub(t0).Seconds(), float64(n1)/t2.Sub(t1).Seconds()
	ratio := rateDuring / rateBefore
	// The line bench/run reads.
	fmt.Printf("frozen-server: before %.1f/s, during the pause %.1f/s, ratio %.2f, longest wait %s\n", rateBefore, rateDuring, ratio, worst.Round(time.Millisecond))
	if n0 == 0 || n1 == 0 {
		t.Fatalf("the healthy server acknowledged %d demands in %s before the pause and %d in the %s pause", n0, before, n1, pause)
	}
	// Not a speed goal (bench/run records the ratio): the healthy server
	// must not stand still for most of the pause, as it did when a
	// stopped server held the log's head until it woke.
	if worst > pause/3 {
		t.Errorf("the healthy server acknowledged nothing for %s of the %s pause", worst.Round(time.Millisecond), pause)
	}

	// Every acknowledged demand is on record, once.
	checkExactlyOnce(t, c.listDemands(t, healthy.url, admin), acked)
	// Once the frozen server has woken, nothing waits for its place in the
	// log, and the log both servers appended to verifies whole.
	waitUnsequenced(t, db, 0)
	verifyLog(t, db, logKey)
}

// unsequenced counts the events of db still waiting for their place in the
// audit log.
func unsequenced(t *testing.T, db string) int {
	t.Helper()
	driver := "sqlite"
	if strings.HasPrefix(db, "postgres://") {
		driver = "pgx"
	}
	conn, err := sql.Open(driver, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n int
	if err := conn.QueryRow(`SELECT count(*) FROM events WHERE log_index IS NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitUnsequenced waits up to 10 s for db to hold want events waiting.
func waitUnsequenced(t *testing.T, db string, want int) {
	t.Helper()
	var n int
	for range 100 {
		if n = unsequenced(t, db); n == want {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%d events wait for their place in the log, want %d", n, want)
}

// TestCrashBetweenCommitAndLogAppend makes the server exit just after it
// commits a demand and before the demand's event is given its place in
// the audit log (WRIT_FAULT=exit-before-log-append), on SQLite and on
// PostgreSQL. The demand was never acknowledged, but it is committed: when
// the server starts again, its event is in the log before the server
// answers anything, and the log verifies whole.
func TestCrashBetweenCommitAndLogAppend(t *testing.T) {
	t.Parallel()
	onBoth(t, func(t *testing.T, db, dir string) {
		logKey := filepath.Join(dir, "log.key")
		tokens := loadDemo(t, db)
		agency, admin := tokens["agency"], tokens["admin"]
		c := newClient(t)
		srv := startServerEnv(t, db, logKey, []string{"WRIT_FAULT=exit-before-log-append"})
		if res, err := c.submit(srv.url, agency, "crash-append", "E2E-CRASH-APPEND"); err == nil {
			t.Fatalf("the server answered %d %s; it should have exited after the commit", res.status, short(res.body))
		}
		<-srv.exited
		var ee *exec.ExitError
		if !errors.As(srv.err, &ee) || ee.ExitCode() != 70 {
			t.Fatalf("writ serve ended with %v, want exit status 70 from the fault", srv.err)
		}
		if n := unsequenced(t, db); n != 1 {
			t.Fatalf("after the crash %d events wait for their place in the log, want the demand's 1", n)
		}

		srv = startServer(t, db, logKey)
		// Checked before anything else is asked of the restarted server:
		// it appended the event before it began to serve.
		if n := unsequenced(t, db); n != 0 {
			t.Fatalf("the restarted server is serving with %d events not in the log", n)
		}
		listed := c.listDemands(t, srv.url, admin)
		var id int64
		for _, d := range listed {
			if d.Reference == "E2E-CRASH-APPEND" {
				id = d.ID
			}
		}
		if id == 0 {
			t.Fatalf("the committed demand is not on record after the restart")
		}
		r, err := read(c.raw(srv.url, admin).ListEvents(context.Background(), id, nil))
		if err != nil || r.status != http.StatusOK {
			t.Fatalf("GET events: %v %d %s", err, r.status, short(r.body))
		}
		var page struct {
			Items []struct {
				Kind     string `json:"kind"`
				LogIndex *int64 `json:"log_index"`
			} `json:"items"`
		}
		if err := json.Unmarshal(r.body, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Items) == 0 || page.Items[0].Kind != "demand.received" || page.Items[0].LogIndex == nil {
			t.Fatalf("the demand's events are %s, want demand.received with its log index", short(r.body))
		}
		verifyLog(t, db, logKey)
	})
}
