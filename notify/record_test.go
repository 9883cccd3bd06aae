package notify_test

import (
	"context"
	"database/sql"
	"testing"

	"writ"
	"writ/notify"
	"writ/notify/notifytest"
	"writ/store/storetest"
)

// busyRecords answers the first busy records of sendings with the error
// the store gives when the database was busy (a lock, a deadlock, a
// timeout), as a loaded database does, keeping nothing; later ones are
// kept.
type busyRecords struct {
	notify.Records
	busy int
}

func (b *busyRecords) RecordSending(ctx context.Context, s writ.Sending, finish func(*sql.Tx) error) error {
	if b.busy > 0 {
		b.busy--
		return &writ.Error{Code: writ.EUNAVAILABLE, Message: "the database was busy with other changes; nothing was written; try again shortly"}
	}
	return b.Records.RecordSending(ctx, s, finish)
}

// TestABusyDatabaseDoesNotSendANoticeTwice: when the record of a notice
// that went out meets a busy database, the attempt keeps trying to record
// it instead of giving the job back to be sent again: the customer gets
// one letter, the job is done in one try, and the notice is sent once on
// record.
func TestABusyDatabaseDoesNotSendANoticeTwice(t *testing.T) {
	both(t, func(t *testing.T, open storetest.Opener) {
		f := storetest.NewFixture(t, open)
		srv := notifytest.StartSMTP(t)
		w := worker(t, f, srv, "w1")
		records := &busyRecords{Records: f.Store, busy: 3}
		w.Records = records
		d, _, err := f.Store.CreateDemand(ctx, f.AgencyUserUS, storetest.Warrant("joe@mail.example"), "")
		check(t, err)
		runDue(t, w)
		if records.busy != 0 {
			t.Fatalf("the record was tried %d times fewer than the busy answers", records.busy)
		}
		if got := len(to(srv.Mails(), "joe@mail.example")); got != 1 {
			t.Fatalf("%d notices, want 1", got)
		}
		jobs, err := f.Store.DemandJobs(ctx, f.Reviewer, d.ID)
		check(t, err)
		for _, j := range jobs {
			if j.Kind == notify.JobNoticeEmail && (j.State != "completed" || j.Attempts != 1) {
				t.Fatalf("the notice's job is %s after %d tries, want completed after 1", j.State, j.Attempts)
			}
		}
		if n := count(events(t, f, d.ID), "notice.sent"); n != 1 {
			t.Fatalf("%d notice.sent events, want 1", n)
		}
	})
}
