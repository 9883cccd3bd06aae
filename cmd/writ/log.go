package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"writ"
	"writ/auditlog"
)

const logUsage = `Usage:
    writ log key      [--log-key FILE]           print the log's verifier key
    writ log checkpoint [--db …] [--log-key FILE] sign a checkpoint of the log now
    writ log verify   [--db …] [--log-key FILE | --verifier-key KEY] [--checkpoint FILE]
                      recompute every entry up to the head and check the entries a
                      signed checkpoint covers against it
    writ log monitor  --verifier-key KEY [--interval D] [--count N] [--alert-after D] URL
                      fetch URL/log/checkpoint over time and prove each new one
                      consistent with the last, from the public tiles alone;
                      keeps watching while the log is unreachable, with back-off
`

// logKeyFlags are the flags naming the log's signing key.
type logKeyFlags struct {
	path, origin string
}

// addLogKeyFlags adds --log-key, and --log-origin for the commands that
// create the key when it is missing.
func addLogKeyFlags(fs *flag.FlagSet, creates bool) *logKeyFlags {
	f := &logKeyFlags{origin: "writ.local/audit-log"}
	fs.StringVar(&f.path, "log-key", "", "the audit log's signing key `file`, created at first start\n(default: log.key in the data directory)")
	if creates {
		fs.StringVar(&f.origin, "log-origin", f.origin, "the log's origin, used when the key is created")
	}
	return f
}

// load reads the key, or creates it, in the data directory of db unless
// --log-key named a file.
func (f *logKeyFlags) load(db string) (*auditlog.Key, error) {
	if f.path == "" {
		f.path = filepath.Join(dataDir(db), "log.key")
	}
	return auditlog.LoadOrCreateKey(f.path, f.origin)
}

func runLog(ctx context.Context, sio *stdio, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(sio.err, logUsage)
		return errUsage
	}
	switch args[0] {
	case "key":
		return runLogKey(sio, args[1:])
	case "checkpoint":
		return runLogCheckpoint(ctx, sio, args[1:])
	case "verify":
		return runLogVerify(ctx, sio, args[1:])
	case "monitor":
		return runLogMonitor(ctx, sio, args[1:])
	case "-h", "--help", "help":
		fmt.Fprint(sio.err, logUsage)
		return nil
	}
	fmt.Fprint(sio.err, logUsage)
	return errUsage
}

func runLogKey(sio *stdio, args []string) error {
	fs := newFlagSet(sio, "log key", "log key [--db PATH|URL | --log-key FILE]")
	kf := addLogKeyFlags(fs, false)
	db := fs.String("db", defaultDB, "the database whose data directory holds the key")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if kf.path == "" {
		kf.path = filepath.Join(dataDir(*db), "log.key")
	}
	if !fileExists(kf.path) {
		return hinted{err: fmt.Errorf("no log key at %s", kf.path), hint: `"writ serve" creates it; or pass --log-key FILE`}
	}
	key, err := kf.load(*db)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(sio.out, key.VerifierKey)
	return err
}

func runLogCheckpoint(ctx context.Context, sio *stdio, args []string) error {
	fs := newFlagSet(sio, "log checkpoint", "log checkpoint [--db PATH|URL] [--log-key FILE]")
	sf := addStoreFlags(fs, false)
	kf := addLogKeyFlags(fs, true)
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if err := sf.mustExist(true); err != nil {
		return err
	}
	key, err := kf.load(sf.db)
	if err != nil {
		return err
	}
	st, _, err := sf.open(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer st.Close()
	signed, err := st.IssueCheckpoint(ctx, key.Signer)
	if err != nil {
		return err
	}
	_, err = sio.out.Write(signed)
	return err
}

func runLogVerify(ctx context.Context, sio *stdio, args []string) error {
	fs := newFlagSet(sio, "log verify", "log verify [--db PATH|URL] [--log-key FILE | --verifier-key KEY] [--checkpoint FILE]")
	sf := addStoreFlags(fs, false)
	kf := addLogKeyFlags(fs, false)
	vkey := fs.String("verifier-key", "", "verify checkpoints with this verifier `key` (as \"writ log key\" prints it) instead of the key file")
	cpFile := fs.String("checkpoint", "", "a signed checkpoint `file` to verify against (default: the latest the database holds)")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if err := sf.mustExist(true); err != nil {
		return err
	}
	var verifier note.Verifier
	if *vkey != "" {
		v, err := note.NewVerifier(*vkey)
		if err != nil {
			return writ.Errorf(writ.EINVALID, "--verifier-key: %v", err)
		}
		verifier = v
	} else {
		if kf.path == "" {
			kf.path = filepath.Join(dataDir(sf.db), "log.key")
		}
		if _, err := os.Stat(kf.path); err != nil {
			return hinted{err: fmt.Errorf("no log key at %s", kf.path), hint: "give --log-key FILE or --verifier-key KEY"}
		}
		key, err := kf.load(sf.db)
		if err != nil {
			return err
		}
		verifier = key.Verifier
	}
	var signed []byte
	if *cpFile != "" {
		var err error
		if signed, err = os.ReadFile(*cpFile); err != nil {
			return writ.Errorf(writ.EINVALID, "--checkpoint: %v", err)
		}
	}
	st, _, err := sf.open(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	v, err := st.VerifyLog(ctx, verifier, signed)
	if err != nil {
		var m *auditlog.Mismatch
		if errors.As(err, &m) {
			return fmt.Errorf("the log does not verify: %w", err)
		}
		return err
	}
	cp := v.Checkpoint
	_, err = fmt.Fprintf(sio.out, "log %s verified: %d entries up to the head, root %x; the signed checkpoint covers %d of them, root %x; in %s\n",
		cp.Origin, v.Size, v.Root[:], cp.Size, cp.Root[:], time.Since(start).Round(time.Millisecond))
	return err
}

func runLogMonitor(ctx context.Context, sio *stdio, args []string) error {
	fs := newFlagSet(sio, "log monitor", "log monitor --verifier-key KEY [--interval D] [--count N] [--alert-after D] URL")
	vkey := fs.String("verifier-key", "", "the log's verifier `key`, obtained out of band")
	interval := fs.Duration("interval", time.Minute, "how often to fetch the checkpoint")
	count := fs.Int("count", 0, "stop after this many checkpoints (0: run until stopped)")
	alertAfter := fs.Duration("alert-after", 10*time.Minute, "say so loudly when the log has been unreachable this long")
	if err := parseFlags(fs, sio, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *vkey == "" {
		fs.Usage()
		return errUsage
	}
	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		return writ.Errorf(writ.EINVALID, "--verifier-key: %v", err)
	}
	m := &monitor{base: strings.TrimSuffix(fs.Arg(0), "/"), verifier: verifier, client: &http.Client{Timeout: 30 * time.Second}}
	w := watch{interval: *interval, alertAfter: *alertAfter, out: sio.out, now: time.Now}
	for verified := 0; *count == 0 || verified < *count; {
		cp, err := m.check(ctx)
		var unreachable *unreachableError
		switch {
		case errors.As(err, &unreachable):
			// A server restarting, a network hiccup: keep watching, with
			// back-off, and keep the last checkpoint proved.
			if !w.wait(ctx, w.failed(err)) {
				return nil
			}
			continue
		case err != nil:
			// A fork, a shrinking log, a bad signature: the log itself is
			// wrong, which no retry mends.
			return err
		}
		w.recovered()
		verified++
		fmt.Fprintf(sio.out, "%s checkpoint %d %x consistent\n", w.now().UTC().Format(time.RFC3339), cp.Size, cp.Root[:])
		if (*count == 0 || verified < *count) && !w.wait(ctx, *interval) {
			return nil
		}
	}
	return nil
}

// watch paces a monitor: the interval between checkpoints, a growing
// back-off while the log cannot be reached, and one loud line once it has
// been unreachable for alertAfter.
type watch struct {
	interval, alertAfter time.Duration
	out                  io.Writer
	now                  func() time.Time
	downSince            time.Time
	backoff              time.Duration
	alerted              bool
}

// failed records a failed fetch and returns how long to wait before the
// next try: a second at first, doubling up to the interval.
func (w *watch) failed(err error) time.Duration {
	now := w.now()
	if w.downSince.IsZero() {
		w.downSince, w.backoff = now, time.Second
	} else {
		w.backoff = min(2*w.backoff, max(w.interval, time.Second))
	}
	down := now.Sub(w.downSince)
	fmt.Fprintf(w.out, "%s unreachable for %s: %v; trying again in %s\n", now.UTC().Format(time.RFC3339), down.Round(time.Second), err, w.backoff)
	if down >= w.alertAfter && !w.alerted {
		w.alerted = true
		fmt.Fprintf(w.out, "%s ALERT: the log has been unreachable for %s (since %s); no checkpoint could be proved meanwhile\n",
			now.UTC().Format(time.RFC3339), down.Round(time.Second), w.downSince.UTC().Format(time.RFC3339))
	}
	return w.backoff
}

// recovered notes a successful fetch after failures.
func (w *watch) recovered() {
	if !w.downSince.IsZero() {
		fmt.Fprintf(w.out, "%s reachable again after %s\n", w.now().UTC().Format(time.RFC3339), w.now().Sub(w.downSince).Round(time.Second))
	}
	w.downSince, w.backoff, w.alerted = time.Time{}, 0, false
}

// wait sleeps for d, or until ctx ends (false).
func (w *watch) wait(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// unreachableError is a fetch that got no usable answer: no connection, a
// time-out, a 5xx while a server restarts. It is retried; an answer that
// does not verify is not.
type unreachableError struct{ err error }

func (e *unreachableError) Error() string { return e.err.Error() }
func (e *unreachableError) Unwrap() error { return e.err }

// monitor is an outside witness of the log: it holds the last checkpoint
// it verified and proves every newer one an extension of it, reading only
// the public checkpoint and hash tiles.
type monitor struct {
	base     string
	verifier note.Verifier
	client   *http.Client
	last     *auditlog.Checkpoint
}

func (m *monitor) check(ctx context.Context) (auditlog.Checkpoint, error) {
	signed, err := m.get(ctx, "/log/checkpoint")
	if err != nil {
		return auditlog.Checkpoint{}, err
	}
	cp, err := auditlog.OpenCheckpoint(signed, m.verifier)
	if err != nil {
		return cp, err
	}
	if m.last != nil {
		if cp.Size < m.last.Size {
			return cp, fmt.Errorf("the log shrank from %d to %d entries", m.last.Size, cp.Size)
		}
		// The tile reader checks every tile against the new tree's root;
		// the old root recomputed from them must be the one signed before.
		hr := tlog.TileHashReader(tlog.Tree{N: cp.Size, Hash: cp.Root}, &httpTiles{m: m, ctx: ctx})
		old, err := tlog.TreeHash(m.last.Size, hr)
		if err != nil {
			return cp, fmt.Errorf("checkpoint %d: %w", cp.Size, err)
		}
		if old != m.last.Root {
			return cp, fmt.Errorf("the log forked: checkpoint %d does not extend checkpoint %d", cp.Size, m.last.Size)
		}
	}
	m.last = &cp
	return cp, nil
}

func (m *monitor) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", m.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, &unreachableError{err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, &unreachableError{err}
	}
	switch {
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusTooManyRequests:
		return nil, &unreachableError{fmt.Errorf("GET %s: %s", path, resp.Status)}
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return body, nil
}

// httpTiles reads hash tiles over HTTP for tlog.TileHashReader.
type httpTiles struct {
	m   *monitor
	ctx context.Context
}

func (t *httpTiles) Height() int { return auditlog.TileHeight }

func (t *httpTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, tile := range tiles {
		data, err := t.m.get(t.ctx, "/log/"+auditlog.TilePath(tile))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (t *httpTiles) SaveTiles([]tlog.Tile, [][]byte) {}
