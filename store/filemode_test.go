package store_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"writ/store/storetest"
)

// The database, its -wal and -shm, and a backup are their owner's alone
// (0600), even in a folder writ did not make and under a permissive
// umask; a database made before by someone else's umask is narrowed.
func TestDatabaseFilesAreOwnerOnly(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "writ.db")
	st := storetest.OpenSQLiteAt(t, db)
	backup := filepath.Join(dir, "backup.db")
	if err := st.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{db, db + "-wal", db + "-shm", backup} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if mode := info.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(p), mode)
		}
	}
	st.Close()

	// A database left readable by others is narrowed when writ opens it.
	for _, p := range []string{db, db + "-wal", db + "-shm"} {
		if err := os.Chmod(p, 0o644); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	storetest.OpenSQLiteAt(t, db).Close()
	for _, p := range []string{db, db + "-wal", db + "-shm"} {
		if info, err := os.Stat(p); err == nil && info.Mode().Perm() != 0o600 {
			t.Errorf("reopened: %s has mode %o, want 600", filepath.Base(p), info.Mode().Perm())
		}
	}
}
