//go:build unix

package e2e

import (
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// attempt is one submission of the burst.
type attempt struct {
	key, reference string
	acked          bool  // answered 201 before the kill
	id             int64 // the id answered, when acked
}

// TestKillDuringBurstLosesNoAcknowledgedDemand kills a server (on SQLite,
// then on PostgreSQL) with SIGKILL while agencies are submitting, restarts
// it on the same database and checks the promise writ makes to an agency: a demand
// answered 201 is on record, and retrying a submission with its
// Idempotency-Key never records it twice — whether or not the first try
// was answered before the crash.
func TestKillDuringBurstLosesNoAcknowledgedDemand(t *testing.T) {
	onBoth(t, func(t *testing.T, db, dir string) {
		const (
			workers  = 8
			maxBurst = 1500 * time.Millisecond
			enough   = 200 // acknowledged demands after which the kill comes early
		)
		logKey := filepath.Join(dir, "log.key")
		tokens := loadDemo(t, db)
		agency, admin := tokens["agency"], tokens["admin"]
		c := newClient(t)
		srv := startServer(t, db, logKey)

		// Every worker submits demands back to back until its first request
		// that goes unanswered. Only a 201 counts as acknowledged.
		var (
			killing  atomic.Bool // set just before the SIGKILL
			ackCount atomic.Int64
			wg       sync.WaitGroup
			perWork  = make([][]attempt, workers)
		)
		start := time.Now()
		for w := range workers {
			wg.Go(func() {
				for n := 0; ; n++ {
					a := attempt{key: fmt.Sprintf("burst-%d-%d", w, n), reference: fmt.Sprintf("E2E-BURST-%d-%d", w, n)}
					res, err := c.submit(srv.url, agency, a.key, a.reference)
					if err != nil {
						if !killing.Load() {
							t.Errorf("submission %s got no answer before the kill: %v", a.key, err)
						}
						perWork[w] = append(perWork[w], a)
						return
					}
					if res.status != http.StatusCreated {
						t.Errorf("submission %s: %d %s", a.key, res.status, short(res.body))
						perWork[w] = append(perWork[w], a)
						return
					}
					if res.replayed || res.demand.Reference != a.reference || res.demand.ID <= 0 {
						t.Errorf("submission %s: a fresh key answered replayed=%v id=%d reference %q", a.key, res.replayed, res.demand.ID, res.demand.Reference)
					}
					a.acked, a.id = true, res.demand.ID
					perWork[w] = append(perWork[w], a)
					ackCount.Add(1)
				}
			})
		}

		// Kill while the workers are still sending: none of them has been told
		// to stop, so requests are in flight when the signal lands.
		for ackCount.Load() < enough && time.Since(start) < maxBurst {
			select {
			case <-srv.exited:
				killing.Store(true)
				wg.Wait()
				t.Fatalf("writ serve exited during the burst: %v", srv.err)
			case <-time.After(5 * time.Millisecond):
			}
		}
		killing.Store(true)
		srv.kill(t)
		killedAfter := time.Since(start)
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}

		var all, acked, unacked []attempt
		for _, as := range perWork {
			all = append(all, as...)
			for _, a := range as {
				if a.acked {
					acked = append(acked, a)
				} else {
					unacked = append(unacked, a)
				}
			}
		}
		if len(acked) == 0 {
			t.Fatalf("no submission was acknowledged in %v before the kill", killedAfter)
		}
		// Each worker stops at its first unanswered request, which the kill
		// caused.
		if len(unacked) != workers {
			t.Fatalf("%d unanswered submissions, want one per worker (%d)", len(unacked), workers)
		}
		t.Logf("killed after %v: %d submissions acknowledged, %d unanswered", killedAfter.Round(time.Millisecond), len(acked), len(unacked))

		srv = startServer(t, db, logKey)

		// Every acknowledged demand survived, as answered.
		parallel(workers, len(acked), func(i int) {
			a := acked[i]
			d, err := c.getDemand(srv.url, admin, a.id)
			if err != nil {
				t.Errorf("acknowledged demand %d (key %s) after the restart: %v", a.id, a.key, err)
				return
			}
			if d.ID != a.id || d.Reference != a.reference {
				t.Errorf("acknowledged demand %d (key %s) is now id %d reference %q, want reference %q", a.id, a.key, d.ID, d.Reference, a.reference)
			}
		})

		// Retrying an acknowledged submission answers the demand already on
		// record. The sample holds every tenth acknowledged submission and each
		// worker's last one, which came closest to the kill.
		var sample []attempt
		for i, a := range acked {
			if i%10 == 0 {
				sample = append(sample, a)
			}
		}
		for _, as := range perWork {
			for i := len(as) - 1; i >= 0; i-- {
				if as[i].acked {
					sample = append(sample, as[i])
					break
				}
			}
		}
		parallel(workers, len(sample), func(i int) {
			a := sample[i]
			res, err := c.submit(srv.url, agency, a.key, a.reference)
			switch {
			case err != nil:
				t.Errorf("retrying %s after the restart: %v", a.key, err)
			case res.status != http.StatusCreated:
				t.Errorf("retrying acknowledged %s (id %d) after the restart: %d %s", a.key, a.id, res.status, short(res.body))
			case !res.replayed || res.demand.ID != a.id:
				t.Errorf("retrying acknowledged %s (id %d) after the restart: replayed=%v id=%d, want replayed=true id=%d",
					a.key, a.id, res.replayed, res.demand.ID, a.id)
			}
		})

		// Retrying an unanswered submission records it once: as a replay if it
		// was committed before the kill, as a new demand if not.
		committedUnanswered := 0
		for i := range unacked {
			a := &unacked[i]
			res, err := c.submit(srv.url, agency, a.key, a.reference)
			if err != nil {
				t.Fatalf("retrying unanswered %s after the restart: %v", a.key, err)
			}
			if res.status != http.StatusCreated || res.demand.Reference != a.reference {
				t.Fatalf("retrying unanswered %s after the restart: %d %s", a.key, res.status, short(res.body))
			}
			if res.replayed {
				committedUnanswered++
			}
			a.id = res.demand.ID
		}
		t.Logf("%d of the %d unanswered submissions had been committed before the kill", committedUnanswered, len(unacked))

		// The database now holds exactly one demand per submission attempted,
		// under the id each was answered with: nothing lost, nothing doubled,
		// nothing else.
		want := map[string]int64{}
		for _, a := range acked {
			want[a.reference] = a.id
		}
		for _, a := range unacked {
			want[a.reference] = a.id
		}
		checkExactlyOnce(t, c.listDemands(t, srv.url, admin), want)
		if len(want) != len(all) {
			t.Fatalf("%d distinct references for %d submissions", len(want), len(all))
		}
	})
}

// checkExactlyOnce checks that listed holds one demand per reference in
// want, with the id want gives it, and nothing else.
func checkExactlyOnce(t *testing.T, listed []demand, want map[string]int64) {
	t.Helper()
	byRef := map[string][]int64{}
	for _, d := range listed {
		byRef[d.Reference] = append(byRef[d.Reference], d.ID)
	}
	for ref, ids := range byRef {
		id, ok := want[ref]
		switch {
		case !ok:
			t.Errorf("demands %v have reference %q, which no submission used", ids, ref)
		case len(ids) > 1:
			t.Errorf("reference %q is recorded %d times, as demands %v; submitting it answered %d", ref, len(ids), ids, id)
		case ids[0] != id:
			t.Errorf("reference %q is demand %d, but submitting it answered %d", ref, ids[0], id)
		}
	}
	for ref, id := range want {
		if _, ok := byRef[ref]; !ok {
			t.Errorf("reference %q (demand %d) is missing from the listing", ref, id)
		}
	}
	if len(listed) != len(want) {
		t.Errorf("listing holds %d demands, want %d", len(listed), len(want))
	}
}
