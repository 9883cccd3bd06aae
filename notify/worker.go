package notify

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"

	"writ/rules"
)

// Worker works notify's jobs (and the periodic jobs it is given) with
// River, in the database the store keeps its records in. Several workers,
// in one server or in several sharing a PostgreSQL database, may run at
// once: River gives each job to one of them at a time.
//
// A job is carried out at least once and, short of a crash, exactly once:
//   - River gives a job to one attempt at a time, and cancels the
//     attempt's context when its time (Timeout) is up;
//   - River's rescuer gives a job that has been running for Lease to
//     another attempt, and Lease is longer than Timeout by LeaseMargin:
//     time for the attempt to start once River took the job, and for its
//     outcome to be recorded after its time is up (settle), so an attempt
//     has ended before its job can be given to another;
//   - right before it sends, an attempt checks that River still shows the
//     job running in this very attempt, with time enough left to send and
//     record before the job could be taken back (holds); a job taken from
//     an attempt that was held up is not sent by it, and one that started
//     too late to be sure is given back untried;
//   - the outcome is recorded, and the job completed, in one transaction
//     that first checks again that the attempt holds the job.
//
// What is left is the crash: a server that dies between a send and its
// record sends the message again once the rescuer gives the job to
// another attempt, under the same Message-ID (Writ-Event-Id for
// webhooks), so a recipient can drop the copy.
type Worker struct {
	// Records are the store's.
	Records Records
	// DB is the database River keeps its jobs in: the store's, through the
	// same connections (on SQLite its one writer), so that jobs are
	// enqueued and completed in the transactions of the records.
	DB       *sql.DB
	Postgres bool
	Rules    *rules.Rulebook
	// Mail sends e-mail; without it the worker works the notices only:
	// it tries their e-mail, so that the failure ("no SMTP server
	// configured") is on record and the legal team sees the notice
	// undeliverable, and leaves the other letters waiting for a server
	// with SMTP.
	Mail *SMTP
	// Webhooks posts customers' webhooks.
	Webhooks *Webhooks
	// Templates are the letters; LoadTemplates(Version) when nil.
	Templates *Templates
	// Provider names the provider in letters.
	Provider string
	// OnCall is the address an emergency is announced to the moment it
	// arrives; the whole legal team when empty.
	OnCall string
	// Site is the address at which writ's pages are reached
	// ("https://writ.example"), for the links in the e-mail that says a
	// message waits; the links are paths alone when it is empty.
	Site string
	// Now is the clock; River runs on it too.
	Now func() time.Time
	Log *slog.Logger
	// ID names this worker among River's clients; random when empty.
	ID string
	// Poll is how often the queue is looked at; Timeout how long one
	// attempt at a job may take; Lease how long a job may run before
	// another worker takes it over (at least Timeout plus the time an
	// outcome takes to be recorded); Backoff the wait after a first
	// failure, doubled after each further one up to MaxBackoff; Attempts
	// how often a job is tried before it fails for good; Workers how many
	// jobs of each queue run at once.
	Poll, Timeout, Lease, Backoff, MaxBackoff time.Duration
	Attempts, Workers                         int
	// PeriodicOnly works the periodic jobs only, none of the notices and
	// letters (serve --jobs=false).
	PeriodicOnly bool
	// Periodic are jobs run every so often by one worker of all (signing
	// checkpoints of the audit log).
	Periodic []Periodic

	client *river.Client[*sql.Tx]
	queues []string
	// started counts the attempts this worker began, ended those River
	// has recorded the end of (its completer works a little later).
	started, ended atomic.Int64
}

// Periodic is a job run every Every, by one worker of all at a time.
type Periodic struct {
	Name  string
	Every time.Duration
	Run   func(context.Context) error
}

// minRetry is the least wait before a failed job is tried again: River
// records the end of an attempt a little after the job's own transaction
// did, and the next attempt must not begin before.
const minRetry = time.Second

// settle is how long recording an outcome may take after an attempt's
// time is up: a send that ends at its deadline is still recorded.
const settle = 5 * time.Second

// LeaseMargin is how much longer than a job's timeout its lease must be:
// the time its outcome takes to be recorded, and as much again for the
// attempt to start once River has given it the job.
const LeaseMargin = 2 * settle

func (w *Worker) defaults() error {
	if w.Templates == nil {
		t, err := LoadTemplates(Version)
		if err != nil {
			return err
		}
		w.Templates = t
	}
	if w.ID == "" {
		var b [6]byte
		rand.Read(b[:])
		w.ID = "writ-" + hex.EncodeToString(b[:])
	}
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
	if w.Webhooks == nil {
		w.Webhooks = &Webhooks{Now: w.Now}
	}
	if w.Provider == "" {
		w.Provider = "The provider"
	}
	w.Poll = orDefault(w.Poll, time.Second)
	w.Timeout = orDefault(w.Timeout, time.Minute)
	w.Lease = orDefault(w.Lease, 2*time.Minute)
	w.Backoff = orDefault(w.Backoff, 30*time.Second)
	w.MaxBackoff = orDefault(w.MaxBackoff, 6*time.Hour)
	if w.Workers <= 0 {
		w.Workers = 4
	}
	if w.Lease < w.Timeout+LeaseMargin {
		return fmt.Errorf("notify: a job's lease (%s) must be at least its timeout (%s) and %s more", w.Lease, w.Timeout, LeaseMargin)
	}
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Start starts working the queue; Stop stops it.
func (w *Worker) Start(ctx context.Context) error {
	if w.client == nil {
		if err := w.build(); err != nil {
			return err
		}
	}
	events, _ := w.client.Subscribe(river.EventKindJobCancelled, river.EventKindJobCompleted, river.EventKindJobFailed,
		river.EventKindJobInterrupted, river.EventKindJobSnoozed)
	go func() {
		for range events {
			w.ended.Add(1)
		}
	}()
	if err := w.client.Start(ctx); err != nil {
		return fmt.Errorf("notify: start the job queue: %w", err)
	}
	return nil
}

// Stop stops taking jobs and waits for the running ones (cancelling them
// once ctx ends).
func (w *Worker) Stop(ctx context.Context) error {
	if w.client == nil {
		return nil
	}
	return w.client.Stop(ctx)
}

// Run works the queue until ctx ends, then stops taking jobs and lets the
// running ones finish for up to Timeout, after which their contexts are
// cancelled and they get settle more to record how they ended. River runs
// apart from ctx: the end of the context given to its Start would cancel
// the running jobs at once.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	<-ctx.Done()
	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.Timeout)
	defer cancel()
	if err := w.Stop(stop); err == nil {
		return nil
	}
	w.Log.Warn("jobs still running at the end of the shutdown bound: cancelling them", "bound", w.Timeout)
	hard, cancelHard := context.WithTimeout(context.WithoutCancel(ctx), settle)
	defer cancelHard()
	return w.client.StopAndCancel(hard)
}

// build makes the River client: every worker knows every kind (River's
// rescuer discards a stuck job whose kind its leader does not know), and
// works the queues its channels serve.
func (w *Worker) build() error {
	if err := w.defaults(); err != nil {
		return err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &kindWorker[noticeEmailArgs]{w: w})
	river.AddWorker(workers, &kindWorker[noticeWebhookArgs]{w: w})
	river.AddWorker(workers, &kindWorker[redirectLetterArgs]{w: w})
	river.AddWorker(workers, &kindWorker[authorityNoticeArgs]{w: w})
	river.AddWorker(workers, &kindWorker[deadlineReminderArgs]{w: w})
	river.AddWorker(workers, &kindWorker[deadlineEscalationArgs]{w: w})
	river.AddWorker(workers, &kindWorker[emergencyAlertArgs]{w: w})
	river.AddWorker(workers, &kindWorker[messagePointerArgs]{w: w})
	river.AddWorker(workers, &periodicWorker{w: w})
	queues := map[string]river.QueueConfig{queueLog: {MaxWorkers: 1}}
	if !w.PeriodicOnly {
		queues[queueNotices] = river.QueueConfig{MaxWorkers: w.Workers}
		if w.Mail != nil {
			queues[queueLetters] = river.QueueConfig{MaxWorkers: w.Workers}
		}
	}
	for q := range queues {
		w.queues = append(w.queues, q)
	}
	var periodic []*river.PeriodicJob
	for _, p := range w.Periodic {
		task := p.Name
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(p.Every),
			func() (river.JobArgs, *river.InsertOpts) {
				return periodicArgs{Task: task}, &river.InsertOpts{Queue: queueLog}
			},
			&river.PeriodicJobOpts{ID: task, RunOnStart: true}))
	}
	c, err := newClient(driverFor(w.DB, w.Postgres), &river.Config{
		ID: w.ID, Logger: quiet(w.Log), Workers: workers, Queues: queues, PeriodicJobs: periodic,
		// database/sql has no LISTEN: River polls.
		PollOnly:          true,
		FetchPollInterval: w.Poll, FetchCooldown: min(w.Poll, 100*time.Millisecond),
		JobTimeout: w.Timeout, RescueStuckJobsAfter: w.Lease,
		MaxAttempts: attempts(w.Attempts), RetryPolicy: backoff{w},
		Test: river.TestConfig{Time: clock{w.Now}},
	})
	if err != nil {
		return err
	}
	w.client = c
	return nil
}

// backoff is writ's retry policy: Backoff after the first failure, doubled
// after each further one up to MaxBackoff.
type backoff struct{ w *Worker }

func (b backoff) NextRetry(j *rivertype.JobRow) time.Time {
	return b.w.Now().Add(b.w.backoff(j.Attempt))
}

func (w *Worker) backoff(attempt int) time.Duration {
	d := w.Backoff
	for i := 1; i < attempt && d < w.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, w.MaxBackoff)
}

// kindWorker carries out the jobs of one kind.
type kindWorker[T interface {
	river.JobArgs
	base() jobArgs
}] struct {
	river.WorkerDefaults[T]
	w *Worker
}

func (k *kindWorker[T]) Work(ctx context.Context, rj *river.Job[T]) error {
	k.w.started.Add(1)
	r := rj.JobRow
	j := job{ID: r.ID, Kind: r.Kind, Attempt: r.Attempt, MaxAttempts: r.MaxAttempts, RunAt: r.ScheduledAt.UTC(), jobArgs: rj.Args.base()}
	if r.AttemptedAt != nil {
		j.AttemptedAt = r.AttemptedAt.UTC()
	}
	return k.w.work(ctx, j, func(ctx context.Context, tx *sql.Tx) (*rivertype.JobRow, error) {
		// The driver type only names the transaction's type: both of
		// writ's drivers' are *sql.Tx.
		done, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, tx, rj)
		if err != nil {
			return nil, err
		}
		return done.JobRow, nil
	})
}

// periodicArgs is a periodic job: Task names which.
type periodicArgs struct {
	Task string `json:"task"`
}

func (periodicArgs) Kind() string { return "periodic" }

type periodicWorker struct {
	w *Worker
}

func (p *periodicWorker) Middleware(*rivertype.JobRow) []rivertype.WorkerMiddleware { return nil }
func (p *periodicWorker) NextRetry(*river.Job[periodicArgs]) time.Time              { return time.Time{} }
func (p *periodicWorker) Timeout(*river.Job[periodicArgs]) time.Duration            { return 0 }

// Work runs the task, then clears the periodic jobs that finished: they
// are no one's record, and one a minute would pile up.
func (p *periodicWorker) Work(ctx context.Context, j *river.Job[periodicArgs]) error {
	p.w.started.Add(1)
	for _, task := range p.w.Periodic {
		if task.Name != j.Args.Task {
			continue
		}
		if err := task.Run(ctx); err != nil {
			return err
		}
		_, err := p.w.client.JobDeleteMany(ctx, river.NewJobDeleteManyParams().Kinds(periodicArgs{}.Kind()).
			States(rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded))
		return err
	}
	return river.JobCancel(fmt.Errorf("no periodic task %q in this server", j.Args.Task))
}

// RunDue makes the jobs due by the worker's clock available now, as
// River's scheduler does every few seconds, and waits until the worker has
// worked them (and whatever they made due) and River has recorded how
// every attempt ended: for tests and drills that move the clock. It
// returns how many jobs were due: counted before a worker that was not
// running starts, since once it runs it may work a due job before RunDue
// looks (a worker already running may have taken some already).
func (w *Worker) RunDue(ctx context.Context) (int, error) {
	fresh := w.client == nil
	if fresh {
		if err := w.build(); err != nil {
			return 0, err
		}
	}
	now := w.Now().UTC()
	if _, err := w.client.Driver().GetExecutor().JobSchedule(ctx, &riverdriver.JobScheduleParams{Max: 10000, Now: &now}); err != nil {
		return 0, fmt.Errorf("notify: schedule due jobs: %w", err)
	}
	n, err := w.busy(ctx)
	if err != nil {
		return 0, err
	}
	if fresh {
		if err := w.Start(context.WithoutCancel(ctx)); err != nil {
			return 0, err
		}
	}
	for {
		busy, err := w.busy(ctx)
		if err != nil {
			return 0, err
		}
		if busy == 0 && w.ended.Load() >= w.started.Load() {
			return n, nil
		}
		select {
		case <-ctx.Done():
			return n, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// busy counts the jobs of the worker's queues that are running or due by
// its clock.
func (w *Worker) busy(ctx context.Context) (int, error) {
	res, err := w.client.JobList(ctx, river.NewJobListParams().Queues(w.queues...).
		States(rivertype.JobStateAvailable, rivertype.JobStateRunning).First(10000))
	if err != nil {
		return 0, fmt.Errorf("notify: jobs: %w", err)
	}
	busy := 0
	for _, j := range res.Jobs {
		if j.State == rivertype.JobStateRunning || !j.ScheduledAt.After(w.Now()) {
			busy++
		}
	}
	return busy, nil
}
