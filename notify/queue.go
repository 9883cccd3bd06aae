package notify

import (
	"context"
	"database/sql"
	"encoding/json"
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
// committed. It works no jobs (that is the Worker's part) and needs no
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
	c, err := newClient(driverFor(nil, o.Postgres), &river.Config{MaxAttempts: attempts(o.Attempts), Logger: quiet(o.Log),
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

// quiet passes on River's warnings and errors only: its routine reports (a
// producer's counts every few seconds, a maintenance run) are not writ's
// log's business, which says itself what each job did.
func quiet(log *slog.Logger) *slog.Logger {
	if log == nil {
		log = slog.Default()
	}
	return slog.New(warnings{log.Handler()})
}

type warnings struct{ slog.Handler }

func (w warnings) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && w.Handler.Enabled(ctx, l)
}
func (w warnings) WithAttrs(a []slog.Attr) slog.Handler { return warnings{w.Handler.WithAttrs(a)} }
func (w warnings) WithGroup(name string) slog.Handler   { return warnings{w.Handler.WithGroup(name)} }

// clock gives River writ's clock, so that a job falls due when writ's
// clock (moved in drills with --clock-offset, and in tests) says so, as
// the deadlines and notices that schedule it are on that clock too. One
// part of River reads the real clock all the same: its rescuer, which
// takes a job back once the real time is past its start by the lease. A
// clock moved forward only delays that; one moved back would hasten it,
// which is why serve refuses a negative --clock-offset.
type clock struct{ now func() time.Time }

func (c clock) Now() time.Time { return c.now() }

func (c clock) NowOrNil() *time.Time {
	t := c.now().UTC().Truncate(time.Microsecond)
	return &t
}

// The states of a job that has not run yet, and of one that counts as
// there (River's unique states): a job in one of them is the one for its
// subject. A job that failed for good (discarded) counts: a change of its
// demand does not arm it again, only the legal team's retry of a notice
// does (RetryNotice).
var (
	waiting = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStatePending}
	live    = append(slices.Clone(waiting), rivertype.JobStateRunning, rivertype.JobStateCompleted, rivertype.JobStateDiscarded)
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

// order is a job to be armed: of kind, with args a, due at at.
type order struct {
	kind string
	a    jobArgs
	at   time.Time
}

func (o order) key() string { return o.kind + " " + o.a.Subject }

// insert adds the jobs ordered, unless a job of the same kind and subject
// is there (River's unique jobs): the result of each is the job added or
// the one found there.
func (q *Queue) insert(ctx context.Context, tx *sql.Tx, orders []order) (map[string]*rivertype.JobInsertResult, error) {
	params := make([]river.InsertManyParams, len(orders))
	for i, o := range orders {
		ra, err := args(o.kind, o.a)
		if err != nil {
			return nil, err
		}
		opts := &river.InsertOpts{Queue: QueueOf(o.kind), UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: live}}
		if o.at.After(q.now()) {
			// A job due now is left to River's clock, which makes it
			// available at once; one due later waits as scheduled.
			opts.ScheduledAt = o.at.UTC()
		}
		params[i] = river.InsertManyParams{Args: ra, InsertOpts: opts}
	}
	res, err := q.client.InsertManyTx(ctx, tx, params)
	if err != nil {
		return nil, fmt.Errorf("notify: enqueue: %w", err)
	}
	out := map[string]*rivertype.JobInsertResult{}
	for _, r := range res {
		var a jobArgs
		if err := json.Unmarshal(r.Job.EncodedArgs, &a); err != nil {
			return nil, fmt.Errorf("notify: job %d: %w", r.Job.ID, err)
		}
		out[r.Job.Kind+" "+a.Subject] = r
	}
	return out, nil
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

// arm makes sure the jobs ordered will run at their times. A job of the
// same kind and subject that is there already (River's unique jobs) is
// replaced when it waits, untried, for another time; one that waits and is
// due anyway, one being tried again after a failure, one running and one
// that completed are left alone. So a job is enqueued once however often
// the change that causes it is made, in one round trip when it is new.
func (q *Queue) arm(ctx context.Context, tx *sql.Tx, orders ...order) error {
	if len(orders) == 0 {
		return nil
	}
	res, err := q.insert(ctx, tx, orders)
	if err != nil {
		return err
	}
	now := q.now()
	var stale []*rivertype.JobRow
	var again []order
	for _, o := range orders {
		r := res[o.key()]
		if r == nil || !r.UniqueSkippedAsDuplicate {
			continue
		}
		j := r.Job
		if !slices.Contains(waiting, j.State) || j.Attempt > 0 {
			continue // running, completed, failed for good, or being tried again
		}
		var old jobArgs
		if err := json.Unmarshal(j.EncodedArgs, &old); err != nil {
			return fmt.Errorf("notify: job %d: %w", j.ID, err)
		}
		if old.Due.Equal(o.a.Due) || !old.Due.After(now) && !o.at.After(now) {
			continue
		}
		stale, again = append(stale, j), append(again, o)
	}
	if len(again) == 0 {
		return nil
	}
	if err := q.cancel(ctx, tx, stale); err != nil {
		return err
	}
	_, err = q.insert(ctx, tx, again)
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
	return q.arm(ctx, tx, order{kind, jobArgs{Subject: demandSubject(demandID), DemandID: demandID, Due: at.UTC()}, *at})
}

// RetryNotice arms the notice's job on channel anew, due at at with fresh
// tries, unless it completed: armed says it did; running that the job is
// being tried this very moment, which is what a retry asks for. A job that
// failed for good stays on record as it ended; it no longer counts as the
// one of its subject.
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
		case rivertype.JobStateDiscarded:
			// River has no way to give up a job's uniqueness but its key:
			// the job keeps its record without it.
			query := `UPDATE river_job SET unique_key = NULL, unique_states = NULL WHERE id = $1 AND state = 'discarded'`
			if _, err := tx.ExecContext(ctx, query, j.ID); err != nil {
				return false, false, fmt.Errorf("notify: retry job %d: %w", j.ID, err)
			}
			continue
		}
		if err := q.cancel(ctx, tx, []*rivertype.JobRow{j}); err != nil {
			return false, false, err
		}
	}
	// The letter is dated today.
	_, err = q.insert(ctx, tx, []order{{kind, jobArgs{Subject: subject, DemandID: demandID, Due: at.UTC()}, at}})
	return err == nil, false, err
}

// RedirectLetter enqueues the letter that tells the agency its demand was
// redirected to the customer.
func (q *Queue) RedirectLetter(ctx context.Context, tx *sql.Tx, demandID int64, at time.Time) error {
	return q.arm(ctx, tx, order{JobRedirectLetter, jobArgs{Subject: demandSubject(demandID), DemandID: demandID, Due: at.UTC()}, at})
}

// EmergencyAlert enqueues the announcement of an emergency.
func (q *Queue) EmergencyAlert(ctx context.Context, tx *sql.Tx, demandID int64, at time.Time) error {
	return q.arm(ctx, tx, order{JobEmergencyAlert, jobArgs{Subject: demandSubject(demandID), DemandID: demandID, Due: at.UTC()}, at})
}

// MessagePosted enqueues the e-mail that tells the other side of thread
// that side posted message messageID on demandID.
func (q *Queue) MessagePosted(ctx context.Context, tx *sql.Tx, demandID, messageID int64, thread, side string, at time.Time) error {
	return q.arm(ctx, tx, order{JobMessagePointer, jobArgs{Subject: messageSubject(messageID), DemandID: demandID, Due: at.UTC(),
		Message: messageID, Thread: thread, Side: side}, at})
}

// AuthorityNotice arms the job that sends the notification (its id) of the
// authority code in country, or with at nil cancels it if it has not run
// yet.
func (q *Queue) AuthorityNotice(ctx context.Context, tx *sql.Tx, demandID, notification int64, code, country string, at *time.Time) error {
	subject := authoritySubject(demandID, code, country)
	if at == nil {
		return q.disarm(ctx, tx, JobAuthorityNotice, subject)
	}
	return q.arm(ctx, tx, order{JobAuthorityNotice, jobArgs{Subject: subject, DemandID: demandID, Due: at.UTC(), Notification: notification}, *at})
}

// NewDemand arms, in one insert, the jobs of a demand just taken in: its
// notice's on each of channels, due at noticeAt, and the reminders and
// escalations of its deadlines. A new demand has no job to cancel.
func (q *Queue) NewDemand(ctx context.Context, tx *sql.Tx, demandID int64, channels []string, noticeAt time.Time, reminders []writ.Reminder) error {
	orders := make([]order, 0, len(channels)+len(reminders))
	for _, ch := range channels {
		kind, err := noticeKind(ch)
		if err != nil {
			return err
		}
		orders = append(orders, order{kind, jobArgs{Subject: demandSubject(demandID), DemandID: demandID, Due: noticeAt.UTC()}, noticeAt})
	}
	return q.arm(ctx, tx, append(orders, reminderOrders(demandID, reminders)...)...)
}

// reminderOrders are the jobs that remind of and escalate a demand's
// deadlines.
func reminderOrders(demandID int64, reminders []writ.Reminder) []order {
	var orders []order
	for _, r := range reminders {
		kind := JobDeadlineReminder
		if r.Escalation {
			kind = JobDeadlineEscalation
		}
		subject := deadlineSubject(demandID, r.Code, r.Due.UTC())
		orders = append(orders, order{kind, jobArgs{Subject: subject, DemandID: demandID, Due: r.At.UTC(), Code: r.Code, DeadlineDue: r.Due.UTC()}, r.At})
	}
	return orders
}

// Deadlines keeps the reminders and escalations of demandID's deadlines:
// those given are armed, and those of deadlines not given that have not
// run are cancelled.
func (q *Queue) Deadlines(ctx context.Context, tx *sql.Tx, demandID int64, reminders []writ.Reminder) error {
	keep := map[string]bool{}
	orders := reminderOrders(demandID, reminders)
	for _, o := range orders {
		keep[o.a.Subject] = true
	}
	if err := q.arm(ctx, tx, orders...); err != nil {
		return err
	}
	// The demand's deadline jobs that wait, by their subjects; a short
	// query of River's table, since it runs in every change of a demand.
	query := `SELECT id, json_extract(args, '$.subject') FROM river_job WHERE json_extract(args, '$.demand') = $1
		AND kind IN ('deadline.reminder', 'deadline.escalation') AND state IN ('available', 'scheduled', 'retryable', 'pending')`
	var arg any = demandID
	if q.postgres {
		query = `SELECT id, args->>'subject' FROM river_job WHERE args @> $1::jsonb
			AND kind IN ('deadline.reminder', 'deadline.escalation') AND state IN ('available', 'scheduled', 'retryable', 'pending')`
		arg = fmt.Sprintf(`{"demand":%d}`, demandID)
	}
	rows, err := tx.QueryContext(ctx, query, arg)
	if err != nil {
		return fmt.Errorf("notify: deadline jobs: %w", err)
	}
	var gone []int64
	for rows.Next() {
		var id int64
		var subject string
		if err := rows.Scan(&id, &subject); err != nil {
			rows.Close()
			return fmt.Errorf("notify: deadline jobs: %w", err)
		}
		if !keep[subject] {
			gone = append(gone, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("notify: deadline jobs: %w", err)
	}
	for _, id := range gone {
		if _, err := q.client.JobCancelTx(ctx, tx, id); err != nil {
			return fmt.Errorf("notify: cancel job %d: %w", id, err)
		}
	}
	return nil
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
