package auditlog

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
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

// leafJSON fixes the leaf's fields and their order.
type leafJSON struct {
	V          int    `json:"v"`
	Index      int64  `json:"index"`
	At         string `json:"at"`
	ActorID    int64  `json:"actor_id"`
	Actor      string `json:"actor"`
	Kind       string `json:"kind"`
	DemandID   int64  `json:"demand_id"`
	DataSHA256 string `json:"data_sha256"`
}

// Leaf returns the canonical encoding of e: one line of JSON with fixed keys
// in fixed order, times in UTC to the microsecond, and the data by its
// SHA-256. The data itself stays in the database, readable by auditors, and
// a leaf stays small enough for a C2SP entry bundle whatever the event.
func Leaf(e Event) []byte {
	sum := sha256.Sum256(e.Data)
	b, err := json.Marshal(leafJSON{
		V: LeafVersion, Index: e.Index, At: e.At.UTC().Format("2006-01-02T15:04:05.000000Z"),
		ActorID: e.ActorID, Actor: e.Actor, Kind: e.Kind, DemandID: e.DemandID, DataSHA256: hex.EncodeToString(sum[:]),
	})
	if err != nil {
		// Only strings and numbers: marshalling cannot fail.
		panic(fmt.Sprintf("auditlog: leaf: %v", err))
	}
	return b
}
