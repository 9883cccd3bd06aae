package auditlog

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is a C2SP tlog-checkpoint: the log's origin, its size and the
// root hash of the tree of that size.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
}

// Text returns the checkpoint's body as C2SP tlog-checkpoint specifies:
// three lines, origin, decimal size and base64 root hash.
func (c Checkpoint) Text() []byte {
	return fmt.Appendf(nil, "%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root[:]))
}

// ParseCheckpoint reads a checkpoint body (without signatures). Lines after
// the third are extension lines, which writ does not write and ignores.
func ParseCheckpoint(text string) (Checkpoint, error) {
	lines := strings.SplitAfter(text, "\n")
	if len(lines) < 3 || !strings.HasSuffix(text, "\n") {
		return Checkpoint{}, errors.New("checkpoint: need an origin, a size and a root hash, each on its own line")
	}
	origin := strings.TrimSuffix(lines[0], "\n")
	size, err := strconv.ParseInt(strings.TrimSuffix(lines[1], "\n"), 10, 64)
	if err != nil || size < 0 || origin == "" {
		return Checkpoint{}, errors.New("checkpoint: bad origin or size line")
	}
	root, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(lines[2], "\n"))
	if err != nil || len(root) != tlog.HashSize {
		return Checkpoint{}, errors.New("checkpoint: bad root hash line")
	}
	c := Checkpoint{Origin: origin, Size: size}
	copy(c.Root[:], root)
	return c, nil
}

// Sign returns the checkpoint as a signed note.
func (c Checkpoint) Sign(signer note.Signer) ([]byte, error) {
	return note.Sign(&note.Note{Text: string(c.Text())}, signer)
}

// OpenCheckpoint verifies a signed checkpoint note with the verifier and
// returns the checkpoint, checking that its origin is the key's name, as
// C2SP requires of a log's own signature.
func OpenCheckpoint(signed []byte, verifier note.Verifier) (Checkpoint, error) {
	n, err := note.Open(signed, note.VerifierList(verifier))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("checkpoint: %w", err)
	}
	c, err := ParseCheckpoint(n.Text)
	if err != nil {
		return c, err
	}
	if c.Origin != verifier.Name() {
		return c, fmt.Errorf("checkpoint: origin %q is not the key's name %q", c.Origin, verifier.Name())
	}
	return c, nil
}

// Equal reports whether two signed notes carry the same checkpoint text.
func SameText(a, b []byte) bool {
	ia, ib := bytes.Index(a, []byte("\n\n")), bytes.Index(b, []byte("\n\n"))
	return ia >= 0 && ib >= 0 && bytes.Equal(a[:ia], b[:ib])
}
