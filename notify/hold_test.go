package notify_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"writ"
	"writ/notify"
	"writ/notify/notifytest"
	"writ/store/storetest"
)

// meddling records run change once, as the attempt gathers its facts: the
// moment between River giving the job to the attempt and its send.
type meddling struct {
	notify.Records
	change func()
}

func (m *meddling) JobCase(ctx context.Context, demandID int64) (writ.JobCase, error) {
	if m.change != nil {
		m.change()
		m.change = nil
	}
	return m.Records.JobCase(ctx, demandID)
}

// leaseAlmostOver is how far back a held-up attempt's start is moved: its
// lease then runs out in 30 seconds, within the job's timeout (a minute)
// and the 5 seconds it is given to record how it ended. The attempt sees
// that as long as it starts within 35 seconds; River's rescuer, reading
// the real clock, could take the job only 30 seconds after the test set
// its clock.
const leaseAlmostOver = int64(testLease/time.Second) - 30

// TestAttemptSendsOnlyWhileItHoldsItsJob holds up an attempt between the
// moment River gave it the notice's job and its send: when another attempt
// has taken the job over meanwhile, the held-up one sends nothing; when its
// lease would run out before it could send and record, it gives the job
// back untried. Either way the notice goes out once.
func TestAttemptSendsOnlyWhileItHoldsItsJob(t *testing.T) {
	both(t, func(t *testing.T, open storetest.Opener) {
		for _, c := range []struct {
			name, sqlite, postgres string
			// attempts is the tries the notice's job has used once sent,
			// givenBack how often an attempt gave it back untried.
			attempts, givenBack int
		}{
			{"taken over", `UPDATE river_job SET attempt = attempt + 1 WHERE state = 'running'`,
				`UPDATE river_job SET attempt = attempt + 1 WHERE state = 'running'`, 3, 0},
			{"lease running out", fmt.Sprintf(`UPDATE river_job SET attempted_at = strftime('%%Y-%%m-%%d %%H:%%M:%%f', attempted_at, '-%d seconds') WHERE state = 'running'`, leaseAlmostOver),
				fmt.Sprintf(`UPDATE river_job SET attempted_at = attempted_at - interval '%d seconds' WHERE state = 'running'`, leaseAlmostOver), 1, 1},
		} {
			t.Run(c.name, func(t *testing.T) {
				f := storetest.NewFixture(t, open)
				// River's rescuer takes a job whose lease ran out by the
				// real clock, not the worker's: with the tests' clock,
				// weeks behind, the moved start is weeks past its lease,
				// and the rescuer, whenever it runs during the attempt,
				// would take the job and hold it back for a retry.
				// Here the two clocks agree, so the lease runs out 30
				// seconds from now on both.
				f.Clock.Advance(time.Since(f.Clock.Now()).Truncate(time.Second))
				srv := notifytest.StartSMTP(t)
				w := worker(t, f, srv, "w1")
				query := c.sqlite
				if f.Store.Postgres() {
					query = c.postgres
				}
				w.Records = &meddling{Records: f.Store, change: func() {
					if _, err := f.Store.DB().Exec(query); err != nil {
						t.Error(err)
					}
				}}
				d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, storetest.Warrant("joe@mail.example"), "")
				check(t, err)
				runDue(t, w)
				if c.attempts > 1 {
					if got := len(to(srv.Mails(), "joe@mail.example")); got != 0 {
						t.Fatalf("the held-up attempt sent %d notices", got)
					}
					f.Clock.Advance(time.Hour)
					runDue(t, w)
				}
				if got := len(to(srv.Mails(), "joe@mail.example")); got != 1 {
					t.Fatalf("%d notices, want 1", got)
				}
				jobs, err := f.Store.DemandJobs(ctx, f.Reviewer, d.ID)
				check(t, err)
				for _, j := range jobs {
					if j.Kind == notify.JobNoticeEmail && (j.State != "completed" || j.Attempts != c.attempts) {
						t.Fatalf("the notice's job is %s after %d tries, want completed after %d", j.State, j.Attempts, c.attempts)
					}
				}
				if n := count(events(t, f, d.ID), "notice.sent"); n != 1 {
					t.Fatalf("%d notice.sent events, want 1", n)
				}
				// River counts a job given back untried as snoozed.
				snoozes := `SELECT coalesce(json_extract(metadata, '$.snoozes'), 0) FROM river_job WHERE kind = 'notice.email'`
				if f.Store.Postgres() {
					snoozes = `SELECT coalesce((metadata->>'snoozes')::int, 0) FROM river_job WHERE kind = 'notice.email'`
				}
				var n int
				check(t, f.Store.DB().QueryRow(snoozes).Scan(&n))
				if n != c.givenBack {
					t.Fatalf("the job was given back untried %d times, want %d", n, c.givenBack)
				}
			})
		}
	})
}
