//go:build unix

package e2e

import (
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	"writ/store/storetest"
)

// TestTwoServersOnOnePostgres runs two writ servers on one PostgreSQL
// database, as a deployment behind a load balancer does, and sends every
// submission to both under one Idempotency-Key, as a client does when it
// retries against another node. Both nodes must answer with the same
// demand, and the database must hold each submission exactly once.
func TestTwoServersOnOnePostgres(t *testing.T) {
	const (
		workers   = 6
		perWorker = 50
	)
	db := storetest.PostgresSchema(t)
	tokens := loadDemo(t, db)
	agency, admin := tokens["agency"], tokens["admin"]
	c := newClient(t)
	logKey := filepath.Join(t.TempDir(), "log.key")
	nodes := [2]*server{startServer(t, db, logKey), startServer(t, db, logKey)}

	// Half the workers send first to one node and half to the other. Most
	// retries follow the first answer, as after a timeout; every third is
	// sent at the same moment as the first try, so the two nodes race to
	// claim the key.
	ids := make([]map[string]int64, workers) // reference → id, per worker
	var wg sync.WaitGroup
	for w := range workers {
		first, second := nodes[w%2], nodes[1-w%2]
		ids[w] = map[string]int64{}
		wg.Go(func() {
			for n := range perWorker {
				key, ref := fmt.Sprintf("two-%d-%d", w, n), fmt.Sprintf("E2E-TWO-%d-%d", w, n)
				var a, b submitResult
				var errA, errB error
				race := n%3 == 2
				if race {
					var both sync.WaitGroup
					both.Go(func() { a, errA = c.submit(first.url, agency, key, ref) })
					both.Go(func() { b, errB = c.submit(second.url, agency, key, ref) })
					both.Wait()
				} else {
					a, errA = c.submit(first.url, agency, key, ref)
					b, errB = c.submit(second.url, agency, key, ref)
				}
				if errA != nil || errB != nil {
					t.Errorf("%s: no answer: %v / %v", key, errA, errB)
					return
				}
				if a.status != http.StatusCreated || b.status != http.StatusCreated {
					t.Errorf("%s: answered %d %s / %d %s, want 201 from both nodes", key, a.status, short(a.body), b.status, short(b.body))
					return
				}
				if a.demand.ID != b.demand.ID || a.demand.Reference != ref || b.demand.Reference != ref {
					t.Errorf("%s: the nodes answered demand %d (%q) and %d (%q), want one demand with reference %q",
						key, a.demand.ID, a.demand.Reference, b.demand.ID, b.demand.Reference, ref)
					return
				}
				// Exactly one of the two made the demand; the other replayed it.
				if a.replayed == b.replayed || (!race && a.replayed) {
					t.Errorf("%s (race=%v): Idempotent-Replayed was %v then %v, want exactly the retry replayed", key, race, a.replayed, b.replayed)
					return
				}
				ids[w][ref] = a.demand.ID
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	want := map[string]int64{}
	for _, m := range ids {
		for ref, id := range m {
			want[ref] = id
		}
	}
	if len(want) != workers*perWorker {
		t.Fatalf("%d distinct references, want %d", len(want), workers*perWorker)
	}
	// Both nodes list the same demands: one per key, under the id both
	// answered.
	for i, n := range nodes {
		listed := c.listDemands(t, n.url, admin)
		checkExactlyOnce(t, listed, want)
		if t.Failed() {
			t.Fatalf("listing through node %d (%s) is wrong", i, n.url)
		}
	}

	// Both servers appended to one audit log: it has no gap or fork, and
	// verifies whole against a checkpoint signed now.
	verifyLog(t, db, logKey)
}
