package ops

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Readiness is what /readyz checks: the database answers, every
// migration this program knows is applied, and the keys are loaded.
type Readiness struct {
	// Ping checks that the database answers.
	Ping func(ctx context.Context) error
	// PendingMigrations names the migrations the database lacks.
	PendingMigrations func(ctx context.Context) ([]string, error)
	// Keys says which keys are loaded, by name ("log signing key",
	// "documents key").
	Keys map[string]bool
}

// health is the body of /livez and /readyz.
type health struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
}

// Livez answers 200 while the process serves HTTP at all: a supervisor
// restarts a process that stops answering it. It reads nothing else, so
// that a database outage never has every server restarted at once.
func Livez(w http.ResponseWriter, r *http.Request) {
	writeHealth(w, http.StatusOK, health{Status: "ok"})
}

// Readyz answers 200 when this server can do its work, else 503 with
// each failed check in words: a load balancer sends requests only to a
// server that is ready.
func (rd Readiness) Readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "migrations": "ok", "keys": "ok"}
	ready := true
	fail := func(name, why string) { checks[name], ready = why, false }
	if err := rd.Ping(ctx); err != nil {
		fail("database", "unreachable: "+err.Error())
		fail("migrations", "unknown while the database is unreachable")
	} else if pending, err := rd.PendingMigrations(ctx); err != nil {
		fail("migrations", "cannot be read: "+err.Error())
	} else if len(pending) > 0 {
		fail("migrations", "not applied: "+strings.Join(pending, ", "))
	}
	var missing []string
	for name, loaded := range rd.Keys {
		if !loaded {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		fail("keys", "not loaded: "+strings.Join(missing, ", "))
	}
	if !ready {
		writeHealth(w, http.StatusServiceUnavailable, health{Status: "not ready", Checks: checks})
		return
	}
	writeHealth(w, http.StatusOK, health{Status: "ready", Checks: checks})
}

func writeHealth(w http.ResponseWriter, status int, h health) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(h)
}
