package auditlog

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// TileHeight is the height of C2SP tiles: 256 hashes a tile.
const TileHeight = 8

// TilePath returns a tile's path under the log's prefix in C2SP
// tlog-tiles form: "tile/<L>/<N>[.p/<W>]", with N in groups of three
// digits ("x001/234"). Level -1 stands for the entry bundles:
// "tile/entries/<N>[.p/<W>]".
func TilePath(t tlog.Tile) string {
	level := strconv.Itoa(t.L)
	if t.L == -1 {
		level = "entries"
	}
	p := "tile/" + level + "/" + indexPath(t.N)
	if t.W != 1<<TileHeight {
		p += ".p/" + strconv.Itoa(t.W)
	}
	return p
}

func indexPath(n int64) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n >= 1000 {
		n /= 1000
		s = fmt.Sprintf("x%03d/", n%1000) + s
	}
	return s
}

// ParseTilePath reads a path written by TilePath.
func ParseTilePath(path string) (tlog.Tile, error) {
	bad := func() (tlog.Tile, error) { return tlog.Tile{}, fmt.Errorf("not a tile path: %q", path) }
	rest, ok := strings.CutPrefix(path, "tile/")
	if !ok {
		return bad()
	}
	levelText, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return bad()
	}
	t := tlog.Tile{H: TileHeight, W: 1 << TileHeight}
	if levelText == "entries" {
		t.L = -1
	} else {
		l, err := strconv.Atoi(levelText)
		if err != nil || l < 0 || l > 63 || strconv.Itoa(l) != levelText {
			return bad()
		}
		t.L = l
	}
	if index, width, ok := strings.Cut(rest, ".p/"); ok {
		w, err := strconv.Atoi(width)
		if err != nil || w < 1 || w >= 1<<TileHeight || strconv.Itoa(w) != width {
			return bad()
		}
		t.W, rest = w, index
	}
	parts := strings.Split(rest, "/")
	for i, part := range parts {
		last := i == len(parts)-1
		if len(part) != 3+boolInt(!last) || (!last && part[0] != 'x') {
			return bad()
		}
		digits := part
		if !last {
			digits = part[1:]
		}
		d, err := strconv.Atoi(digits)
		if err != nil || d < 0 {
			return bad()
		}
		t.N = t.N*1000 + int64(d)
	}
	if t.N < 0 || TilePath(t) != path {
		return bad()
	}
	return t, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// EntryBundle encodes entries as a C2SP entry bundle: each entry preceded
// by its length as a big-endian uint16.
func EntryBundle(entries [][]byte) ([]byte, error) {
	var out []byte
	for i, e := range entries {
		if len(e) > 0xffff {
			return nil, fmt.Errorf("entry %d is longer than an entry bundle allows", i)
		}
		out = append(out, byte(len(e)>>8), byte(len(e)))
		out = append(out, e...)
	}
	return out, nil
}

// ParseEntryBundle splits an entry bundle into its entries.
func ParseEntryBundle(b []byte) ([][]byte, error) {
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, errors.New("entry bundle: truncated length")
		}
		n := int(b[0])<<8 | int(b[1])
		if len(b) < 2+n {
			return nil, errors.New("entry bundle: truncated entry")
		}
		out = append(out, b[2:2+n])
		b = b[2+n:]
	}
	return out, nil
}
