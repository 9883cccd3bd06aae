package storetest

import (
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"writ"
	"writ/notify"
)

// The store keeps what a job's attempt did (RecordSending) in one
// transaction with the job's own end in River. These helpers play the
// worker's part with River's driver, as notify's worker does with River's
// client, so that the store's side is tested apart from any channel.

func riverDriver(f *Fixture) riverdriver.Driver[*sql.Tx] {
	if f.Store.Postgres() {
		return riverdatabasesql.New(f.Store.DB())
	}
	return riversqlite.New(f.Store.DB())
}

// claimJobs takes the jobs of the given kinds that are due by the
// fixture's clock, as a worker does: River shows them running in their
// next attempt.
func claimJobs(t *testing.T, f *Fixture, kinds ...string) []*rivertype.JobRow {
	t.Helper()
	exec := riverDriver(f).GetExecutor()
	now := f.Clock.Now().UTC()
	if _, err := exec.JobSchedule(ctx, &riverdriver.JobScheduleParams{Max: 1000, Now: &now}); err != nil {
		t.Fatal(err)
	}
	queues := map[string]bool{}
	for _, k := range kinds {
		queues[notify.QueueOf(k)] = true
	}
	var out []*rivertype.JobRow
	for q := range queues {
		res, err := exec.JobGetAvailable(ctx, &riverdriver.JobGetAvailableParams{ClientID: "test-worker", Kind: kinds, MaxAttemptedBy: 100,
			MaxToLock: 50, Now: &now, Queue: q})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res.Jobs...)
	}
	return out
}

// demandOf is the demand a job is about.
func demandOf(t *testing.T, j *rivertype.JobRow) int64 {
	t.Helper()
	var a struct {
		Demand int64 `json:"demand"`
	}
	if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
		t.Fatal(err)
	}
	return a.Demand
}

// claimNotice claims the e-mail notice job of a demand.
func claimNotice(t *testing.T, f *Fixture, demandID int64) *rivertype.JobRow {
	t.Helper()
	for _, j := range claimJobs(t, f, notify.JobNoticeEmail) {
		if demandOf(t, j) == demandID {
			return j
		}
	}
	t.Fatalf("no notice job of demand %d is due", demandID)
	return nil
}

// sentBy is the record of a claimed notice job's attempt that the mail
// server accepted (err empty) or refused with err.
func sentBy(j *rivertype.JobRow, demandID int64, err string, final bool, retryAt time.Time) writ.Sending {
	return writ.Sending{DemandID: demandID, Job: j.Kind, Attempt: j.Attempt, MaxAttempts: j.MaxAttempts, Notice: true, Channel: "email",
		Recipients: []string{"joe@mail.example"}, MessageID: "<writ-job-test@provider.example>", Error: err, Final: final, RetryAt: retryAt}
}

// record keeps what a claimed job's attempt did and ends the job in River
// in the same transaction: completed when it sent, else due again at
// RetryAt, or failed for good.
func record(t *testing.T, f *Fixture, j *rivertype.JobRow, s writ.Sending) {
	t.Helper()
	now := f.Clock.Now().UTC()
	end := riverdriver.JobSetStateCompleted(j.ID, now, nil)
	if s.Error != "" {
		e, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: j.Attempt, Error: s.Error})
		if err != nil {
			t.Fatal(err)
		}
		end = riverdriver.JobSetStateErrorRetryable(j.ID, s.RetryAt, e, nil)
		if s.Final {
			end = riverdriver.JobSetStateDiscarded(j.ID, now, e, nil)
		}
	}
	d := riverDriver(f)
	err := f.Store.RecordSending(ctx, s, func(tx *sql.Tx) error {
		rows, err := d.UnwrapExecutor(tx).JobSetStateIfRunningMany(ctx, &riverdriver.JobSetStateIfRunningManyParams{
			ID: []int64{end.ID}, Attempt: []*int{end.Attempt}, ErrData: [][]byte{end.ErrData}, FinalizedAt: []*time.Time{end.FinalizedAt},
			MetadataDoMerge: []bool{false}, MetadataUpdates: [][]byte{nil}, ScheduledAt: []*time.Time{end.ScheduledAt}, State: []rivertype.JobState{end.State}})
		if err == nil && (len(rows) != 1 || rows[0].State != end.State) {
			t.Fatalf("the job did not end %s: %+v", end.State, rows)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
