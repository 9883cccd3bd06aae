package storetest

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
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

// testJobsOncePerSubject: a change of a demand arms its jobs once however
// often it is made, and a job that failed for good stays failed: only the
// legal team's retry of a notice arms one anew.
func testJobsOncePerSubject(t *testing.T, f *Fixture) {
	in := Warrant("joe@mail.example")
	due := Start.Add(5 * 24 * time.Hour)
	in.Due = &due
	d := submit(t, f, f.AgencyUserUS, in)
	perSubject := func() map[string][]writ.Job {
		t.Helper()
		jobs, err := f.Store.DemandJobs(ctx, f.Reviewer, d.ID)
		check(t, err)
		out := map[string][]writ.Job{}
		for _, j := range jobs {
			out[j.Kind+" "+j.Subject] = append(out[j.Kind+" "+j.Subject], j)
		}
		return out
	}
	before := perSubject()
	if len(before) == 0 || len(before[notify.JobNoticeEmail+" demand:"+fmt.Sprint(d.ID)]) != 1 {
		t.Fatalf("jobs at intake: %+v", before)
	}
	for i := range 3 {
		ref := fmt.Sprintf("amended-%d", i)
		_, err := f.Store.UpdateDemand(ctx, f.Reviewer, d.ID, writ.DemandPatch{Reference: &ref})
		check(t, err)
	}
	after := perSubject()
	for k, jobs := range after {
		if len(jobs) != 1 || len(before[k]) != 1 || jobs[0].ID != before[k][0].ID {
			t.Fatalf("after three changes %s has jobs %+v, before %+v", k, jobs, before[k])
		}
	}
	// The reminder of the response deadline fails for good when it is due.
	f.Clock.Advance(3 * 24 * time.Hour)
	var reminder *rivertype.JobRow
	for _, j := range claimJobs(t, f, notify.JobDeadlineReminder) {
		if demandOf(t, j) == d.ID && strings.Contains(string(j.EncodedArgs), "RESPOND") {
			reminder = j
		}
	}
	if reminder == nil {
		t.Fatal("the reminder of RESPOND is not due")
	}
	record(t, f, reminder, writ.Sending{DemandID: d.ID, Job: reminder.Kind, Attempt: reminder.Attempt, MaxAttempts: reminder.MaxAttempts,
		Channel: "email", Error: "no e-mail address on record to send this letter to", Final: true})
	ref := "amended again"
	_, err := f.Store.UpdateDemand(ctx, f.Reviewer, d.ID, writ.DemandPatch{Reference: &ref})
	check(t, err)
	for k, jobs := range perSubject() {
		if !strings.HasPrefix(k, notify.JobDeadlineReminder) || !strings.Contains(k, ":RESPOND:") {
			continue
		}
		if len(jobs) != 1 || jobs[0].State != "failed" {
			t.Fatalf("after a change the failed reminder %s has jobs %+v", k, jobs)
		}
	}
}
