package writ

import "time"

// Publication is a transparency report or warrant canary as published: its
// exact bytes, whose SHA-256 an event appended to the audit log in the same
// transaction holds. Kind is "report" or "canary". Replaces is the SHA-256
// of the earlier publication of its period it replaces, if any; that one
// stays public.
type Publication struct {
	Kind           string    `json:"kind"`
	Period         string    `json:"period"`
	SHA256         string    `json:"sha256"`
	Body           []byte    `json:"-"`
	CheckpointSize int64     `json:"checkpoint_size"`
	LogIndex       int64     `json:"log_index"`
	PublishedAt    time.Time `json:"published_at"`
	Replaces       string    `json:"replaces"`
}
