package auditlog

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
	"unicode/utf8"
)

// LeafVersion is the version of the leaf encoding. A new encoding gets a
// new version; leaves already in the log keep theirs.
const LeafVersion = 1

// Event is what a leaf records of one event.
type Event struct {
	Index    int64     // position in the log, from 0
	At       time.Time // when the change was made
	ActorID  int64     // 0 for writ itself
	Actor    string
	Kind     string
	DemandID int64  // 0 when the event is not about a demand
	Data     []byte // the event's data as stored (JSON)
}

// Leaf returns the canonical encoding of e: one line of JSON with fixed keys
// in fixed order — v, index, at, actor_id, actor, kind, demand_id,
// data_sha256 — times in UTC to the microsecond, strings escaped exactly as
// encoding/json escapes them, and the data by its SHA-256. The data itself
// stays in the database, readable by auditors, and a leaf stays small
// enough for a C2SP entry bundle whatever the event. The encoding is
// written by hand because verification encodes every leaf of the log.
func Leaf(e Event) []byte {
	sum := sha256.Sum256(e.Data)
	return appendLeaf(make([]byte, 0, 192+len(e.Actor)+len(e.Kind)), e, &sum)
}

// appendLeaf appends e's leaf to b, given the SHA-256 of its data.
func appendLeaf(b []byte, e Event, sum *[sha256.Size]byte) []byte {
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, LeafVersion, 10)
	b = append(b, `,"index":`...)
	b = strconv.AppendInt(b, e.Index, 10)
	b = append(b, `,"at":"`...)
	b = appendLeafTime(b, e.At)
	b = append(b, `","actor_id":`...)
	b = strconv.AppendInt(b, e.ActorID, 10)
	b = append(b, `,"actor":`...)
	b = appendJSONString(b, e.Actor)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, e.Kind)
	b = append(b, `,"demand_id":`...)
	b = strconv.AppendInt(b, e.DemandID, 10)
	b = append(b, `,"data_sha256":"`...)
	b = hex.AppendEncode(b, sum[:])
	return append(b, `"}`...)
}

// leafTimeLayout is how a leaf writes its time, in UTC.
const leafTimeLayout = "2006-01-02T15:04:05.000000Z"

// appendLeafTime appends t in UTC as leafTimeLayout writes it: the years 0
// to 9999 digit by digit, faster than AppendFormat, which verification
// would call for every leaf of the log; other years by AppendFormat.
func appendLeafTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, leafTimeLayout)
	}
	hour, minute, second := t.Clock()
	b = appendDigits(b, year, 4)
	b = appendDigits(append(b, '-'), int(month), 2)
	b = appendDigits(append(b, '-'), day, 2)
	b = appendDigits(append(b, 'T'), hour, 2)
	b = appendDigits(append(b, ':'), minute, 2)
	b = appendDigits(append(b, ':'), second, 2)
	b = appendDigits(append(b, '.'), t.Nanosecond()/1000, 6)
	return append(b, 'Z')
}

// appendDigits appends the n last decimal digits of v ≥ 0, zero-padded.
func appendDigits(b []byte, v, n int) []byte {
	b = append(b, make([]byte, n)...)
	for i := len(b) - 1; i >= len(b)-n; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}

// appendJSONString appends s as encoding/json writes a string: quotes and
// backslashes escaped, control characters as \n, \r, \t or \u00XX, the
// HTML-significant <, > and & and the separators U+2028 and U+2029 as
// \uXXXX, and invalid UTF-8 as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
