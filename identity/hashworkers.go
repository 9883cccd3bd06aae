package identity

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"writ"
)

// checkTimeout bounds how long a hash worker may take over one check
// before it is taken for hung and replaced. A check is some 50 ms of one
// processor; on a machine that is short of processors it takes its turn
// with everything else, and may take seconds.
const checkTimeout = 30 * time.Second

// HashWorkers checks passwords in child processes of writ's own binary
// (writ hash-worker, ServeHashWorker), one check at a time each, so that
// argon2id's memory (19 MiB a check) and the garbage collection it costs
// are never the server's: collecting a server's heap after every hash
// takes processors, and pauses, from every request it serves. Each worker
// runs with one processor (GOMAXPROCS=1) and no environment but that; it
// is given the hash and the password on its standard input, never in its
// arguments or environment.
//
// A worker runs at its server's priority. A lower one (nice 19, then 10)
// was tried: it changed nothing measurable in a flood of wrong passwords,
// which the hashing slots already hold to half the processors, but on a
// busy machine it left an honest sign-in waiting 5 to 20 seconds for what
// everything else left over (under 1 second at the server's priority),
// past a balancer's patience.
//
// Workers are started when first needed and kept, up to hashSlots(). A
// worker that dies, hangs or answers anything but a verdict is stopped and
// replaced by a fresh one at the next check; the check it was given is
// answered with an error (EUNAVAILABLE, with a time to retry), never as a
// right password. It is safe for concurrent use; the Service calls it at
// most hashSlots() times at once.
type HashWorkers struct {
	program string
	args    []string
	stderr  io.Writer
	log     *slog.Logger

	// idle holds the workers between checks.
	idle chan *hashWorker
	// requests numbers the checks, so that an answer is known for its own.
	requests atomic.Uint64

	mu     sync.Mutex
	closed bool
}

// HashWorkerOptions are how HashWorkers starts its workers.
type HashWorkerOptions struct {
	// Program is the file to run: writ's own binary. On Linux,
	// /proc/self/exe is that binary even after an upgrade has replaced
	// the file it was started from, so that a worker never runs another
	// version than its server.
	Program string
	// Args are the worker's arguments, its name first (writ hash-worker).
	Args []string
	// Stderr receives what a worker writes there (a crash's trace); nil
	// discards it.
	Stderr io.Writer
	// Log records each worker replaced, and why.
	Log *slog.Logger
}

// NewHashWorkers returns a pool that starts its workers as o says. Close
// stops them.
func NewHashWorkers(o HashWorkerOptions) *HashWorkers {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &HashWorkers{program: o.Program, args: o.Args, stderr: o.Stderr, log: log, idle: make(chan *hashWorker, hashSlots())}
}

// errUnchecked is the answer to an attempt whose check gave no verdict:
// nothing was decided, and the client may try again at once.
func errUnchecked() error {
	return &refusal{wait: busyRetry, err: writ.Errorf(writ.EUNAVAILABLE, "the password could not be checked: try again in a moment")}
}

// CheckPassword checks password against encoded in a worker. Once the
// worker has the request, the check runs to its end even when ctx ends
// (the client has gone), as one in this process would: the hashing slot
// stays taken until then, and no worker is lost to a client that
// disconnects. EUNAVAILABLE when no worker could be started or the one
// checking gave no verdict; a worker that had died while idle is replaced
// before the password reaches it, and that is no error.
func (p *HashWorkers) CheckPassword(ctx context.Context, encoded, password string) (bool, error) {
	if len(encoded) > maxCheckedLength || len(password) > maxCheckedLength {
		// Never a hash writ made, or a password it accepted.
		return false, nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		w, fresh, err := p.take()
		if err != nil {
			p.log.Error("hash worker did not start", "err", err)
			return false, errUnchecked()
		}
		ok, sent, err := w.check(p.requests.Add(1), encoded, password)
		if err == nil {
			p.put(w)
			return ok, nil
		}
		exit := w.stop(true)
		p.log.Warn("hash worker replaced", "pid", w.cmd.Process.Pid, "err", err, "exit", exit, "during_check", sent)
		if sent || fresh {
			return false, errUnchecked()
		}
	}
}

// Close stops the idle workers and those that finish their check after
// it; no worker starts after it.
func (p *HashWorkers) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	for {
		select {
		case w := <-p.idle:
			w.stop(false)
		default:
			return nil
		}
	}
}

// take returns an idle worker, or a fresh one (fresh is true) when none
// is idle.
func (p *HashWorkers) take() (w *hashWorker, fresh bool, err error) {
	select {
	case w := <-p.idle:
		return w, false, nil
	default:
	}
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return nil, false, errors.New("the hash workers are closed")
	}
	w, err = p.start()
	return w, true, err
}

// put keeps a worker for the next check, or stops it when the pool is
// closed or holds enough.
func (p *HashWorkers) put(w *hashWorker) {
	p.mu.Lock()
	kept := false
	if !p.closed {
		select {
		case p.idle <- w:
			kept = true
		default:
		}
	}
	p.mu.Unlock()
	if !kept {
		w.stop(false)
	}
}

// hashWorker is one running writ hash-worker and its pipes.
type hashWorker struct {
	cmd *exec.Cmd
	in  *os.File // its standard input: requests
	out *os.File // its standard output: verdicts
}

// start starts a worker. A parent-death signal is sent when the thread
// that forked the process ends, which in a Go program is any of its
// threads, so the worker has none: it ends when its input does, which
// the kernel closes when the server dies.
func (p *HashWorkers) start() (*hashWorker, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	cmd := &exec.Cmd{Path: p.program, Args: p.args, Env: []string{"GOMAXPROCS=1"}, Stdin: inR, Stdout: outW, Stderr: p.stderr}
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, err
	}
	return &hashWorker{cmd: cmd, in: inW, out: outR}, nil
}

// check sends the worker request id and reads its verdict. sent says
// whether the request reached the worker: a worker found dead before it
// did has checked nothing.
func (w *hashWorker) check(id uint64, encoded, password string) (ok, sent bool, err error) {
	req := appendCheck(make([]byte, 0, 16+len(encoded)+len(password)), id, encoded, password)
	defer clear(req)
	deadline := time.Now().Add(checkTimeout)
	if err := w.in.SetWriteDeadline(deadline); err != nil {
		return false, false, err
	}
	if _, err := w.in.Write(req); err != nil {
		return false, false, err
	}
	if err := w.out.SetReadDeadline(deadline); err != nil {
		return false, true, err
	}
	ok, err = readVerdict(w.out, id)
	return ok, true, err
}

// stop ends the worker and returns how it ended: at once (kill), or by
// closing its input, which it answers by exiting once its check is done.
func (w *hashWorker) stop(kill bool) error {
	w.in.Close()
	if kill {
		_ = w.cmd.Process.Kill()
	} else {
		hung := time.AfterFunc(checkTimeout, func() { _ = w.cmd.Process.Kill() })
		defer hung.Stop()
	}
	err := w.cmd.Wait()
	w.out.Close()
	return err
}
