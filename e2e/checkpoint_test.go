package e2e

import (
	"path/filepath"
	"testing"
)

// A server signs a checkpoint of the log before it serves, so that the log
// of a database it has just started on verifies at once, jobs or not (the
// periodic job that signs the later ones may not have run yet on a busy
// machine).
func TestLogVerifiesAsSoonAsAServerServes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db, logKey := filepath.Join(dir, "writ.db"), filepath.Join(dir, "log.key")
	loadDemo(t, db)
	startServer(t, db, logKey, "--jobs=false")
	logVerifies(t, db, logKey)
}
