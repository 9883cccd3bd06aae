package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"writ"
)

// Queue sets notify's jobs in motion on River, in the transaction of the
// change that causes them: the store calls it with its own *sql.Tx, so
// that a job exists exactly when the change that calls for it was
// committed. It works no jobs (that is the Runner's part) and needs no
// connection of its own.
type Queue struct {
	client   *river.Client[*sql.Tx]
	postgres bool
	now      func() time.Time
}

// QueueOptions configure a Queue.
type QueueOptions struct {
	// Postgres is true for a PostgreSQL database, false for SQLite.
	Postgres bool
	// Now is the clock, the store's; time.Now when nil.
	Now func() time.Time
	// Attempts is how often a job is tried before it fails for good; 8
	// when zero.
	Attempts int
	Log      *slog.Logger
}

// NewQueue returns a queue for a database of the given kind.
func NewQueue(o QueueOptions) (*Queue, error) {
	q := &Queue{postgres: o.Postgres, now: o.Now}
	if q.now == nil {
		q.now = time.Now
	}
	c, err := newClient(driverFor(nil, o.Postgres), &river.Config{MaxAttempts: attempts(o.Attempts), Logger: o.Log,
		Test: river.TestConfig{Time: clock{q.now}}})
	if err != nil {
		return nil, err
	}
	q.client = c
	return q, nil
}

func attempts(n int) int {
	if n > 0 {
		return n
	}
	return 8
}

// driverFor is River's driver for db (nil for a queue that only ever
// works inside the store's transactions).
func driverFor(db *sql.DB, postgres bool) riverdriver.Driver[*sql.Tx] {
	if postgres {
		return riverdatabasesql.New(db)
	}
	return riversqlite.New(db)
}

func newClient(d riverdriver.Driver[*sql.Tx], c *river.Config) (*river.Client[*sql.Tx], error) {
	// Finished jobs are the legal team's record of what writ did for a
	// demand (the job list of a demand): they are kept.
	c.CompletedJobRetentionPeriod, c.CancelledJobRetentionPeriod, c.DiscardedJobRetentionPeriod = -1, -1, -1
	client, err := river.NewClient(d, c)
	if err != nil {
		return nil, fmt.Errorf("notify: job queue: %w", err)
	}
	return client, nil
}

// clock gives River writ's clock, so that a job falls due when writ's
// clock (moved in drills with --clock-offset, and in tests) says so, as
// the deadlines and notices that schedule it are on that clock too.
type clock struct{ now func() time.Time }

func (c clock) Now() time.Time { return c.now() }

func (c clock) NowOrNil() *time.Time {
	t := c.now().UTC().Truncate(time.Microsecond)
	return &t
}

// The states of a job that has not run yet, and of one that counts as
// there (River's unique states): a job in one of them is the one for its
// subject.
var (
	waiting = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStatePending}
	live    = append(slices.Clone(waiting), rivertype.JobStateRunning, rivertype.JobStateCompleted)
)

// withArg narrows a list of jobs to those whose args have key = value.
// PostgreSQL finds them through River's index of args; on SQLite the store
// indexes the two keys asked for, subject and demand.
func (q *Queue) withArg(p *river.JobListParams, key string, value any) *river.JobListParams {
	if q.postgres {
		b, _ := json.Marshal(map[string]any{key: value})
		return p.Where("args @> @writ_args::jsonb", river.NamedArgs{"writ_args": string(b)})
	}
	return p.Where("json_extract(args, '$."+key+"') = @writ_value", river.NamedArgs{"writ_value": value})
}

// find returns the job of kind and subject in one of states, if any.
func (q *Queue) find(ctx context.Context, tx *sql.Tx, kind, subject string, states []rivertype.JobState) ([]*rivertype.JobRow, error) {
	res, err := q.client.JobListTx(ctx, tx, q.withArg(river.NewJobListParams().Kinds(kind).States(states...).First(100), "subject", subject))
	if err != nil {
		return nil, fmt.Errorf("notify: jobs of %s: %w", subject, err)
	}
	return res.Jobs, nil
}

// insert adds the job of kind, due at at.
func (q *Queue) insert(ctx context.Context, tx *sql.Tx, kind string, a jobArgs, at time.Time) (*rivertype.JobInsertResult, error) {
	ra, err := args(kind, a)
	if err != nil {
		return nil, err
	}
	opts := &river.InsertOpts{Queue: QueueOf(kind), UniqueOpts: river.UniqueOpts{ByArgs: true}}
	if at.After(q.now()) {
		// A job due now is left to River's clock, which makes it available
		// at once; one due later waits as scheduled.
		opts.ScheduledAt = at.UTC()
	}
	res, err := q.client.InsertTx(ctx, tx, ra, opts)
	if err != nil {
		return nil, fmt.Errorf("notify: enqueue %s: %w", kind, err)
	}
	return res, nil
}

// cancel cancels jobs that have not run yet.
func (q *Queue) cancel(ctx context.Context, tx *sql.Tx, jobs []*rivertype.JobRow) error {
	for _, j := range jobs {
		if _, err := q.client.JobCancelTx(ctx, tx, j.ID); err != nil {
			return fmt.Errorf("notify: cancel job %d: %w", j.ID, err)
		}
	}
	return nil
}

// arm makes sure the job of kind for a's subject will run at at: a job that
// waits for a later or an earlier time is replaced; one that waits and is
// due anyway, one that is being tried again after a failure, one that is
// running and one that completed are left alone. So a job is enqueued once
// however often the change that causes it is made.
func (q *Queue) arm(ctx context.Context, tx *sql.Tx, kind string, a jobArgs, at time.Time) error {
	jobs, err := q.find(ctx, tx, kind, a.Subject, live)
	if err != nil {
		return err
	}
	now := q.now()
	for _, j := range jobs {
		if !slices.Contains(waiting, j.State) || j.Attempt > 0 {
			return nil
		}
		var old jobArgs
		if err := json.Unmarshal(j.EncodedArgs, &old); err != nil {
			return fmt.Errorf("notify: job %d: %w", j.ID, err)
		}
		if old.Due.Equal(a.Due) || !old.Due.After(now) && !at.After(now) {
			return nil
		}
		if err := q.cancel(ctx, tx, []*rivertype.JobRow{j}); err != nil {
			return err
		}
	}
	_, err = q.insert(ctx, tx, kind, a, at)
	return err
}

// disarm cancels the job of kind and subject if it has not run yet.
func (q *Queue) disarm(ctx context.Context, tx *sql.Tx, kind, subject string) error {
	jobs, err := q.find(ctx, tx, kind, subject, waiting)
	if err != nil {
		return err
	}
	return q.cancel(ctx, tx, jobs)
}

func noticeKind(channel string) (string, error) {
	switch channel {
	case "email":
		return JobNoticeEmail, nil
	case "webhook":
		return JobNoticeWebhook, nil
	}
	return "", fmt.Errorf("notify: no notice channel %q", channel)
}

// Notice arms the job that sends demandID's notice on channel (email or
// webhook) at at, or with at nil cancels it if it has not run yet.
func (q *Queue) Notice(ctx context.Context, tx *sql.Tx, demandID int64, channel string, at *time.Time) error {
	kind, err := noticeKind(channel)
	if err != nil {
		return err
	}
	if at == nil {
		return q.disarm(ctx, tx, kind, demandSubject(demandID))
	}
	return q.arm(ctx, tx, kind, jobArgs{Subject: demandSubject(demandID), DemandID: demandID, Due: at.UTC()}, *at)
}

// RetryNotice arms the notice's job on channel anew, due at at with fresh
// tries, unless it completed: armed says it did; running that the job is
// being tried this very moment, which is what a retry asks for.
func (q *Queue) RetryNotice(ctx context.Context, tx *sql.Tx, demandID int64, channel string, at time.Time) (armed, running bool, err error) {
	kind, err := noticeKind(channel)
	if err != nil {
		return false, false, err
	}
	subject := demandSubject(demandID)
	jobs, err := q.find(ctx, tx, kind, subject, live)
	if err != nil {
		return false, false, err
	}
	for _, j := range jobs {
		switch j.State {
		case rivertype.JobStateCompleted:
			return false, false, nil
		case rivertype.JobStateRunning:
			return false, true, nil
		}
		if err := q.cancel(ctx, tx, []*rivertype.JobRow{j}); err != nil {
			return false, false, err
		}
	}
	// The letter is dated today.
	_, err = q.insert(ctx, tx, kind, jobArgs{Subject: subject, DemandID: demandID, Due: at.UTC()}, at)
	return err == nil, false, err
}

// RedirectLetter enqueues the letter that tells the agency its demand was
// redirected to the customer.
func (q *Queue) RedirectLetter(ctx context.Context, tx *sql.Tx, demandID int64, at time.Time) error {
	return q.arm(ctx, tx, JobRedirectLetter, jobArgs{Subject: demandSubject(demandID), DemandID: demandID, Due: at.UTC()}, at)
}

// EmergencyAlert enqueues the announcement of an emergency.
func (q *Queue) EmergencyAlert(ctx context.Context, tx *sql.Tx, demandID int64, at time.Time) error {
	return q.arm(ctx, tx, JobEmergencyAlert, jobArgs{Subject: demandSubject(demandID), DemandID: demandID, Due: at.UTC()}, at)
}

// AuthorityNotice arms the job that sends the notification (its id) of the
// authority code in country, or with at nil cancels it if it has not run
// yet.
func (q *Queue) AuthorityNotice(ctx context.Context, tx *sql.Tx, demandID, notification int64, code, country string, at *time.Time) error {
	subject := authoritySubject(demandID, code, country)
	if at == nil {
		return q.disarm(ctx, tx, JobAuthorityNotice, subject)
	}
	return q.arm(ctx, tx, JobAuthorityNotice, jobArgs{Subject: subject, DemandID: demandID, Due: at.UTC(), Notification: notification}, *at)
}

// Deadlines keeps the reminders and escalations of demandID's deadlines:
// those given are armed, and those of deadlines not given that have not
// run are cancelled.
func (q *Queue) Deadlines(ctx context.Context, tx *sql.Tx, demandID int64, reminders []writ.Reminder) error {
	keep := map[string]bool{}
	for _, r := range reminders {
		kind := JobDeadlineReminder
		if r.Escalation {
			kind = JobDeadlineEscalation
		}
		subject := deadlineSubject(demandID, r.Code, r.Due.UTC())
		keep[subject] = true
		if err := q.arm(ctx, tx, kind, jobArgs{Subject: subject, DemandID: demandID, Due: r.At.UTC(), Code: r.Code, DeadlineDue: r.Due.UTC()}, r.At); err != nil {
			return err
		}
	}
	res, err := q.client.JobListTx(ctx, tx, q.withArg(river.NewJobListParams().Kinds(JobDeadlineReminder, JobDeadlineEscalation).
		States(waiting...).First(10000), "demand", demandID))
	if err != nil {
		return fmt.Errorf("notify: deadline jobs: %w", err)
	}
	var gone []*rivertype.JobRow
	for _, j := range res.Jobs {
		var a jobArgs
		if err := json.Unmarshal(j.EncodedArgs, &a); err != nil {
			return fmt.Errorf("notify: job %d: %w", j.ID, err)
		}
		if !keep[a.Subject] {
			gone = append(gone, j)
		}
	}
	return q.cancel(ctx, tx, gone)
}

// DemandJobs lists the jobs of demandID, oldest first, read in tx.
func (q *Queue) DemandJobs(ctx context.Context, tx *sql.Tx, demandID int64) ([]writ.Job, error) {
	res, err := q.client.JobListTx(ctx, tx, q.withArg(river.NewJobListParams().First(10000), "demand", demandID))
	if err != nil {
		return nil, fmt.Errorf("notify: jobs: %w", err)
	}
	out := []writ.Job{}
	for _, j := range res.Jobs {
		out = append(out, asJob(j))
	}
	return out, nil
}

// asJob maps River's row to the job the legal team sees.
func asJob(j *rivertype.JobRow) writ.Job {
	var a jobArgs
	json.Unmarshal(j.EncodedArgs, &a)
	r := writ.Job{ID: j.ID, Kind: j.Kind, Subject: a.Subject, RunAt: j.ScheduledAt.UTC(), Attempts: j.Attempt, MaxAttempts: j.MaxAttempts}
	if n := len(j.Errors); n > 0 {
		r.LastError = j.Errors[n-1].Error
	}
	switch j.State {
	case rivertype.JobStateRunning:
		r.State = "running"
	case rivertype.JobStateCompleted:
		r.State = "completed"
		if j.FinalizedAt != nil {
			t := j.FinalizedAt.UTC()
			r.CompletedAt = &t
		}
	case rivertype.JobStateDiscarded:
		r.State = "failed"
	case rivertype.JobStateCancelled:
		r.State = "cancelled"
	default:
		r.State = "available"
	}
	return r
}

// errUnknownState is a job of writ's own queue in a state it never had.
var errUnknownState = errors.New("unknown state")
