package identity

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
)

// The hash worker's protocol, version 1, over the worker's standard input
// and output. A request is a number the parent gives it, then the stored
// hash and the password, each as a 4-byte big-endian length and its bytes:
//
//	id uint64 | len uint32 | encoded | len uint32 | password
//
// and its answer is the same number and one byte, verdictRight or
// verdictWrong. The number lets the parent tell an answer to this request
// from a stale or stray one: anything else is garbage, and the worker is
// replaced. Nothing is ever written about a request but its answer.
const (
	verdictRight = 'Y'
	verdictWrong = 'N'
	// maxCheckedLength bounds a request's hash and password. A password
	// longer than any that could have been set (maxPasswordLength) never
	// matches; this only keeps a broken request from taking the worker's
	// memory.
	maxCheckedLength = 64 << 10
)

// ServeHashWorker is the hidden command writ hash-worker: it answers the
// requests of in (the parent's pipe) on out, one at a time, until in ends —
// when the parent closes it or dies — and then returns nil. It runs with
// whatever GOMAXPROCS it was started with (HashWorkers starts it with one
// processor); signals are the caller's to ignore, so that a worker keeps
// checking until its parent is done with it. A request that breaks off
// midway or is too long is an error: the worker ends, and its parent
// replaces it.
func ServeHashWorker(in io.Reader, out io.Writer) error {
	r := bufio.NewReader(in)
	w := bufio.NewWriter(out)
	for {
		id, encoded, password, err := readCheck(r)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("hash worker: %w", err)
		}
		verdict := byte(verdictWrong)
		if checkPassword(encoded, password) {
			verdict = verdictRight
		}
		if err := writeVerdict(w, id, verdict); err != nil {
			return fmt.Errorf("hash worker: %w", err)
		}
		// The hash's memory is garbage now: collected before the next
		// check, it is reused by it, and the worker holds one hash's
		// memory instead of two (some 40 MB at its peak, not 60).
		runtime.GC()
	}
}

// appendCheck appends a request to b.
func appendCheck(b []byte, id uint64, encoded, password string) []byte {
	b = binary.BigEndian.AppendUint64(b, id)
	b = binary.BigEndian.AppendUint32(b, uint32(len(encoded)))
	b = append(b, encoded...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(password)))
	return append(b, password...)
}

// readCheck reads a request; io.EOF when the input ends between two.
func readCheck(r io.Reader) (id uint64, encoded, password string, err error) {
	var head [8]byte
	if _, err := io.ReadFull(r, head[:]); err == io.EOF {
		return 0, "", "", io.EOF
	} else if err != nil {
		return 0, "", "", fmt.Errorf("a request breaks off: %w", err)
	}
	id = binary.BigEndian.Uint64(head[:])
	fields := [2]string{}
	for i := range fields {
		if fields[i], err = readField(r); err != nil {
			return 0, "", "", err
		}
	}
	return id, fields[0], fields[1], nil
}

// readField reads one length-prefixed field of a request.
func readField(r io.Reader) (string, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return "", fmt.Errorf("a request breaks off: %w", noEOF(err))
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > maxCheckedLength {
		return "", fmt.Errorf("a request's field of %d bytes is longer than %d", size, maxCheckedLength)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("a request breaks off: %w", noEOF(err))
	}
	return string(b), nil
}

// noEOF is err, an end of input midway being unexpected.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// writeVerdict writes and flushes the answer to request id.
func writeVerdict(w *bufio.Writer, id uint64, verdict byte) error {
	var b [9]byte
	binary.BigEndian.PutUint64(b[:], id)
	b[8] = verdict
	if _, err := w.Write(b[:]); err != nil {
		return err
	}
	return w.Flush()
}

// readVerdict reads the answer to request id: whether the password was
// right, or an error for an answer that is not one (another request's
// number, or another byte than a verdict).
func readVerdict(r io.Reader, id uint64) (bool, error) {
	var b [9]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return false, err
	}
	if got := binary.BigEndian.Uint64(b[:]); got != id {
		return false, fmt.Errorf("answered request %d, not %d", got, id)
	}
	switch b[8] {
	case verdictRight:
		return true, nil
	case verdictWrong:
		return false, nil
	}
	return false, fmt.Errorf("answered %q, not a verdict", b[8])
}
