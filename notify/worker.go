package notify

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"

	"writ"
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

// Run works the queue until ctx ends, then lets the running jobs finish
// for up to Timeout.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.Timeout)
	defer cancel()
	return w.Stop(stop)
}

// build makes the River client: every worker knows every kind (River's
// rescuer discards a stuck job whose kind its leader does not know), and
// works the queues its channels serve.
func (w *Worker) build() error {
	if err := w.defaults(); err != nil {
		return err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &kindWorker[noticeEmailArgs]{w})
	river.AddWorker(workers, &kindWorker[noticeWebhookArgs]{w})
	river.AddWorker(workers, &kindWorker[redirectLetterArgs]{w})
	river.AddWorker(workers, &kindWorker[authorityNoticeArgs]{w})
	river.AddWorker(workers, &kindWorker[deadlineReminderArgs]{w})
	river.AddWorker(workers, &kindWorker[deadlineEscalationArgs]{w})
	river.AddWorker(workers, &kindWorker[emergencyAlertArgs]{w})
	river.AddWorker(workers, &periodicWorker{w})
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
	w *Worker
}

func (k *kindWorker[T]) Middleware(*rivertype.JobRow) []rivertype.WorkerMiddleware { return nil }
func (k *kindWorker[T]) NextRetry(*river.Job[T]) time.Time                         { return time.Time{} }
func (k *kindWorker[T]) Timeout(*river.Job[T]) time.Duration                       { return 0 }

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

// errLost means River gave the job to another attempt (this one was held
// up past its lease); nothing is sent or recorded by this one. errLate
// means this attempt still holds its job but started too late to be sure
// it sends and records before the job could be taken back: it gives the
// job back untried.
var (
	errLost = errors.New("the job was taken over by another attempt")
	errLate = errors.New("the attempt started too late to send before its lease could run out")
)

// holds checks, right before a send, that this attempt still holds j: River
// shows it running in this attempt, and the rescuer cannot give it to
// another before this attempt's time is up and its outcome recorded.
func (w *Worker) holds(ctx context.Context, j job) error {
	row, err := w.client.JobGet(ctx, j.ID)
	if err != nil {
		return fmt.Errorf("notify: job %d: %w", j.ID, err)
	}
	if row.State != rivertype.JobStateRunning || row.Attempt != j.Attempt {
		return errLost
	}
	if deadline, ok := ctx.Deadline(); ok && row.AttemptedAt != nil {
		end := w.Now().Add(time.Until(deadline) + settle)
		if !end.Before(row.AttemptedAt.Add(w.Lease)) {
			return errLate
		}
	}
	return nil
}

// complete is River's completion of the job in the recording transaction.
type complete func(context.Context, *sql.Tx) (*rivertype.JobRow, error)

// work carries out one attempt at j. A failure to send is recorded and
// returned, and River tries again after the back-off (or, with the tries
// used, discards the job); a job no longer due is cancelled; one not due
// yet is snoozed until it is.
func (w *Worker) work(ctx context.Context, j job, done complete) error {
	f, err := w.gather(ctx, j)
	if err != nil {
		if writ.ErrorCode(err) == writ.ENOTFOUND {
			return river.JobCancel(errors.New(writ.ErrorMessage(err)))
		}
		return err
	}
	if f.Skip != "" {
		return river.JobCancel(errors.New(f.Skip))
	}
	if f.NotBefore != nil {
		return river.JobSnooze(f.NotBefore.Sub(w.Now()))
	}
	s, sendErr := w.send(ctx, f)
	switch {
	case errors.Is(sendErr, errLost):
		w.Log.Warn("job taken over before it was sent", "job", j.ID, "kind", j.Kind, "attempt", j.Attempt)
		return sendErr
	case errors.Is(sendErr, errLate):
		w.Log.Warn("job given back untried: its attempt started late", "job", j.ID, "kind", j.Kind, "attempt", j.Attempt)
		return river.JobSnooze(0)
	}
	// The outcome is recorded even when the attempt's time ran out as the
	// send ended: what went out must be on record.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), settle)
	defer cancel()
	if sendErr == nil {
		w.Log.Info("job done", "job", j.ID, "kind", j.Kind, "demand", j.DemandID, "recipients", strings.Join(s.Recipients, ", "))
		return w.Records.RecordSending(rec, s, func(tx *sql.Tx) error {
			if err := w.stillHeld(rec, tx, j); err != nil {
				return err
			}
			row, err := done(rec, tx)
			if err != nil {
				return err
			}
			if row.State != rivertype.JobStateCompleted || row.Attempt != j.Attempt {
				return errLost
			}
			return nil
		})
	}
	s.Error = sendErr.Error()
	if len(s.Error) > 1000 {
		s.Error = s.Error[:1000]
	}
	s.Final = s.Final || j.Attempt >= j.MaxAttempts
	if !s.Final {
		s.RetryAt = w.Now().Add(max(w.backoff(j.Attempt), minRetry)).UTC()
	}
	w.Log.Warn("job failed", "job", j.ID, "kind", j.Kind, "attempt", j.Attempt, "err", sendErr)
	err = w.Records.RecordSending(rec, s, func(tx *sql.Tx) error {
		if err := w.stillHeld(rec, tx, j); err != nil {
			return err
		}
		return w.fail(rec, tx, j, s)
	})
	// River finds the job ended already and leaves it as it is.
	return errors.Join(sendErr, err)
}

// fail ends the attempt at j in tx as River ends a failed one, so that the
// failure and the job's next step are committed together: due again at
// s.RetryAt, or when s.Final failed for good (River's "discarded").
func (w *Worker) fail(ctx context.Context, tx *sql.Tx, j job, s writ.Sending) error {
	now := w.Now().UTC()
	e, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: j.Attempt, Error: s.Error})
	if err != nil {
		return err
	}
	end := riverdriver.JobSetStateErrorRetryable(j.ID, s.RetryAt, e, nil)
	if s.Final {
		end = riverdriver.JobSetStateDiscarded(j.ID, now, e, nil)
	}
	rows, err := w.client.Driver().UnwrapExecutor(tx).JobSetStateIfRunningMany(ctx, &riverdriver.JobSetStateIfRunningManyParams{
		ID: []int64{end.ID}, Attempt: []*int{end.Attempt}, ErrData: [][]byte{end.ErrData}, FinalizedAt: []*time.Time{end.FinalizedAt},
		MetadataDoMerge: []bool{false}, MetadataUpdates: [][]byte{nil}, ScheduledAt: []*time.Time{end.ScheduledAt},
		State: []rivertype.JobState{end.State}})
	if err != nil {
		return fmt.Errorf("notify: job %d: %w", j.ID, err)
	}
	if len(rows) != 1 || rows[0].State != end.State {
		return errLost
	}
	return nil
}

// stillHeld checks in tx that this attempt still holds j.
func (w *Worker) stillHeld(ctx context.Context, tx *sql.Tx, j job) error {
	row, err := w.client.JobGetTx(ctx, tx, j.ID)
	if err != nil {
		return fmt.Errorf("notify: job %d: %w", j.ID, err)
	}
	if row.State != rivertype.JobStateRunning || row.Attempt != j.Attempt {
		return errLost
	}
	return nil
}

// messageID names a job's message on every attempt, so that a recipient
// can drop a copy a crash made it receive twice.
func (w *Worker) messageID(j job) string {
	domain := "writ.invalid"
	if w.Mail != nil {
		if i := strings.LastIndex(w.Mail.From, "@"); i >= 0 {
			domain = strings.Trim(w.Mail.From[i+1:], "> ")
		}
	}
	return fmt.Sprintf("<writ-job-%d@%s>", j.ID, domain)
}

// send renders the job's letter and, if this attempt still holds the job,
// sends it. s.Final is set when retrying cannot help (no address to send
// to).
func (w *Worker) send(ctx context.Context, f facts) (s writ.Sending, err error) {
	j := f.Job
	s = writ.Sending{DemandID: j.DemandID, Job: j.Kind, Attempt: j.Attempt, MaxAttempts: j.MaxAttempts,
		MessageID: w.messageID(j), Channel: "email", Recipients: f.Recipients}
	data := letterData(w.Rules, w.Provider, f, s.MessageID)
	// A letter is kept as a document for the legal team and its
	// recipient; the legal team's own mail is not kept.
	letter, name, audience := LetterNotice, "notice-letter", writ.AudienceCustomer
	switch j.Kind {
	case JobNoticeEmail, JobNoticeWebhook:
		s.Notice = true
	case JobRedirectLetter:
		letter, name, audience = LetterRedirect, "redirect-letter", writ.AudienceAgency
		s.Event = "redirect.letter_sent"
	case JobAuthorityNotice:
		letter, name, audience = LetterAuthority, "notification-"+strings.ToLower(f.Authority.Code)+"-"+f.Authority.Country, writ.AudienceLegal
		s.Notification = j.Notification
	case JobDeadlineReminder, JobDeadlineEscalation:
		letter, name = LetterReminder, ""
		s.Event, s.Detail = "deadline.reminder_sent", map[string]any{"code": j.Code, "due": j.DeadlineDue}
		if j.Kind == JobDeadlineEscalation {
			s.Event = "deadline.escalated"
		}
	case JobEmergencyAlert:
		letter, name = LetterEmergency, ""
		s.Event = "emergency.announced"
	}
	r, err := w.Templates.Render(letter, data)
	if err != nil {
		s.Final = true
		return s, err
	}
	if name != "" {
		s.Letters = r.Letters(name, w.Templates.version, audience)
	}
	if j.Kind == JobNoticeWebhook {
		return w.post(ctx, f, r, data, s)
	}
	if len(f.Recipients) == 0 {
		s.Final = true
		return s, errors.New("no e-mail address on record to send this letter to")
	}
	if w.Mail == nil {
		return s, errors.New("no SMTP server configured")
	}
	if err := w.holds(ctx, j); err != nil {
		return s, err
	}
	return s, w.Mail.Send(ctx, Message{To: f.Recipients, Subject: r.Subject, MessageID: s.MessageID, Date: w.Now(), Text: r.Text, HTML: r.HTML})
}

// post posts the notice to the customer's webhook; its 2xx is a delivery.
func (w *Worker) post(ctx context.Context, f facts, r Rendered, data LetterData, s writ.Sending) (writ.Sending, error) {
	j := f.Job
	s.Channel, s.Recipients = "webhook", []string{f.WebhookURL}
	eventID := fmt.Sprintf("writ-job-%d", j.ID)
	body, err := json.Marshal(WebhookEvent{ID: eventID, Type: "notice", Created: j.Due.UTC(),
		Demand: WebhookDemand{ID: f.Demand.ID, Reference: f.Demand.Reference, Agency: f.Agency.Name, AgencyCountry: f.Agency.Country,
			Instrument: f.Demand.Instrument, Citation: f.Demand.Citation, DataCategories: f.Demand.DataCategories,
			Accounts: f.Demand.Accounts, ReceivedAt: f.Demand.ReceivedAt},
		Action: data.Action, ObjectBy: data.ObjectBy,
		Letter: WebhookLetter{Version: w.Templates.version, Subject: r.Subject, Text: string(r.Text)}})
	if err != nil {
		s.Final = true
		return s, err
	}
	s.MessageID = eventID
	if err := w.holds(ctx, j); err != nil {
		return s, err
	}
	if err := w.Webhooks.Post(ctx, f.WebhookURL, []byte(f.WebhookSecret), eventID, "notice", body); err != nil {
		return s, err
	}
	s.Delivered = true
	return s, nil
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
// returns how many jobs were due.
func (w *Worker) RunDue(ctx context.Context) (int, error) {
	if w.client == nil {
		if err := w.Start(context.WithoutCancel(ctx)); err != nil {
			return 0, err
		}
	}
	now := w.Now().UTC()
	if _, err := w.client.Driver().GetExecutor().JobSchedule(ctx, &riverdriver.JobScheduleParams{Max: 10000, Now: &now}); err != nil {
		return 0, fmt.Errorf("notify: schedule due jobs: %w", err)
	}
	n := -1
	for {
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
		if n < 0 {
			n = busy
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
