//go:build unix

package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// This file is an outside verifier: it knows the C2SP tlog-checkpoint and
// tlog-tiles formats, golang.org/x/mod/sumdb's tlog and note, and writ's
// URLs — and none of writ's own packages.

// c2spCheckpoint is a parsed C2SP checkpoint body.
type c2spCheckpoint struct {
	origin string
	tree   tlog.Tree
}

func fetch(t *testing.T, url, token string) []byte {
	t.Helper()
	// Raw: a C2SP tile or checkpoint is checked byte for byte as served.
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", url, res.Status, body)
	}
	return body
}

// openCheckpoint checks the note's signature and parses its three lines.
func openCheckpoint(t *testing.T, signed []byte, verifier note.Verifier) c2spCheckpoint {
	t.Helper()
	n, err := note.Open(signed, note.VerifierList(verifier))
	if err != nil {
		t.Fatalf("checkpoint signature: %v\n%s", err, signed)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[3] != "" {
		t.Fatalf("not a three-line checkpoint body: %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		t.Fatalf("size line %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		t.Fatalf("root line %q", lines[2])
	}
	if lines[0] != verifier.Name() {
		t.Fatalf("origin %q is not the key's name %q", lines[0], verifier.Name())
	}
	return c2spCheckpoint{origin: lines[0], tree: tlog.Tree{N: size, Hash: tlog.Hash(root)}}
}

// c2spTilePath is a tile's path in the C2SP layout: tile/<L>/<N>[.p/<W>],
// N in three-digit groups, all but the last prefixed with x.
func c2spTilePath(tile tlog.Tile) string {
	n := fmt.Sprintf("%03d", tile.N%1000)
	for rest := tile.N / 1000; rest > 0; rest /= 1000 {
		n = fmt.Sprintf("x%03d/%s", rest%1000, n)
	}
	p := fmt.Sprintf("tile/%d/%s", tile.L, n)
	if tile.W != 256 {
		p += fmt.Sprintf(".p/%d", tile.W)
	}
	return p
}

// tileReader reads C2SP hash tiles over HTTP for tlog.TileHashReader, which
// checks every tile against the tree's root before use.
type tileReader struct {
	t    *testing.T
	base string
}

func (r *tileReader) Height() int { return 8 }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, tile := range tiles {
		out[i] = fetch(r.t, r.base+"/log/"+c2spTilePath(tile), "")
	}
	return out, nil
}

func (r *tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

func TestOutsideVerifierChecksTheLogWithC2SPFormatsOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db, logKey := filepath.Join(dir, "writ.db"), filepath.Join(dir, "log.key")
	tokens := loadDemo(t, db)
	srv := startServer(t, db, logKey)
	c := newClient(t)
	// Eight clients at once: the log's entries are what is checked, not
	// the order of the demands, and one after another they took minutes
	// of durable commits.
	submit := func(n int) {
		t.Helper()
		var wg sync.WaitGroup
		next := make(chan int)
		for range 8 {
			wg.Go(func() {
				for i := range next {
					ref := fmt.Sprintf("C2SP-%d-%d", time.Now().UnixNano(), i)
					if r, err := c.submit(srv.url, tokens["agency"], ref, ref); err != nil || r.status != http.StatusCreated {
						t.Errorf("submit %d: %v %d %s", i, err, r.status, short(r.body))
					}
				}
			})
		}
		for i := range n {
			next <- i
		}
		close(next)
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
	}
	submit(300) // more than a full tile of entries
	key, err := exec.Command(writBin, "log", "key", "--log-key", logKey).Output()
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := note.NewVerifier(strings.TrimSpace(string(key)))
	if err != nil {
		t.Fatal(err)
	}
	issue := func() c2spCheckpoint {
		t.Helper()
		r, err := read((&client{hc: http.DefaultClient}).raw(srv.url, tokens["auditor"]).IssueCheckpoint(context.Background()))
		if err != nil || r.status != http.StatusCreated {
			t.Fatalf("issue checkpoint: %v %d %s", err, r.status, short(r.body))
		}
		return openCheckpoint(t, fetch(t, srv.url+"/log/checkpoint", ""), verifier)
	}
	old := issue()
	if old.tree.N < 300 {
		t.Fatalf("checkpoint of %d entries", old.tree.N)
	}
	oldReader := tlog.TileHashReader(old.tree, &tileReader{t: t, base: srv.url})

	// Inclusion: the leaf hash of an entry from the hash tiles, and its
	// audit path, check against the signed root.
	for _, index := range []int64{0, 255, 256, old.tree.N - 1} {
		leaf, err := oldReader.ReadHashes([]int64{tlog.StoredHashIndex(0, index)})
		if err != nil {
			t.Fatalf("leaf hash %d: %v", index, err)
		}
		proof, err := tlog.ProveRecord(old.tree.N, index, oldReader)
		if err != nil {
			t.Fatal(err)
		}
		if err := tlog.CheckRecord(proof, old.tree.N, old.tree.Hash, index, leaf[0]); err != nil {
			t.Fatalf("inclusion of %d: %v", index, err)
		}
	}
	// An auditor's entry bundle holds the leaves those hashes commit to.
	bundle := fetch(t, srv.url+"/log/tile/entries/000", tokens["auditor"])
	var leaves [][]byte
	for b := bundle; len(b) > 0; {
		n := int(b[0])<<8 | int(b[1])
		leaves, b = append(leaves, b[2:2+n]), b[2+n:]
	}
	if len(leaves) != 256 {
		t.Fatalf("entry bundle of %d leaves", len(leaves))
	}
	tile := fetch(t, srv.url+"/log/tile/0/000", "")
	for i, leaf := range leaves {
		if tlog.RecordHash(leaf) != tlog.Hash(tile[i*32:(i+1)*32]) {
			t.Fatalf("leaf %d does not hash to its tile hash", i)
		}
	}
	// The leaves are the events, in order: the submissions, and what the
	// job worker recorded meanwhile (a notice no mail server took).
	if !bytes.Contains(leaves[0], []byte(`"index":0,`)) || !bytes.Contains(leaves[255], []byte(`"index":255,`)) ||
		!bytes.Contains(bundle, []byte(`"kind":"demand.received"`)) {
		t.Fatalf("leaves: %s … %s", leaves[0], leaves[255])
	}
	// The public may not read leaves (raw: a request with no token at all).
	res, err := http.Get(srv.url + "/log/tile/entries/000")
	if err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous entry bundle: %v %v", err, res)
	}
	res.Body.Close()

	// Consistency: the log grows, a new checkpoint is signed, and the old
	// root is recomputed from the new tree's verified tiles.
	submit(40)
	newer := issue()
	if newer.tree.N <= old.tree.N {
		t.Fatalf("log did not grow: %d → %d", old.tree.N, newer.tree.N)
	}
	newReader := tlog.TileHashReader(newer.tree, &tileReader{t: t, base: srv.url})
	proof, err := tlog.ProveTree(newer.tree.N, old.tree.N, newReader)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckTree(proof, newer.tree.N, newer.tree.Hash, old.tree.N, old.tree.Hash); err != nil {
		t.Fatalf("consistency %d → %d: %v", old.tree.N, newer.tree.N, err)
	}
	// writ's own monitor agrees, as an outside witness would run it.
	out, err := exec.Command(writBin, "log", "monitor", "--verifier-key", strings.TrimSpace(string(key)),
		"--interval", "100ms", "--count", "2", srv.url).CombinedOutput()
	if err != nil || strings.Count(string(out), "consistent") != 2 {
		t.Fatalf("writ log monitor: %v\n%s", err, out)
	}
}
