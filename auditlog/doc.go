// Package auditlog makes writ's event history a tamper-evident log in the
// formats of the public transparency logs, so that outside auditors can
// check it with their own tools:
//
//   - every event is a leaf of an RFC 6962 Merkle tree (golang.org/x/mod/sumdb/tlog);
//     the leaf is a canonical, versioned encoding of the event (Leaf), which
//     commits to the event's data by its SHA-256;
//   - the tree is published as C2SP tlog-checkpoint notes signed with an
//     Ed25519 key (golang.org/x/mod/sumdb/note), and as C2SP tlog-tiles.
//
// The package is pure: encodings, paths, keys and verification over
// interfaces. The store keeps the leaves and hashes, in the same database
// transaction as the change each event records.
package auditlog
