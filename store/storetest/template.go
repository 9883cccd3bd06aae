package storetest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"writ/identity"
	"writ/sealing"
	"writ/store"
)

// Template is a SQLite database made once per test binary, migrated and
// filled by Build, and copied for each test that opens it: a test gets
// the very bytes a store of its own would have, without the migrations
// and writes that made them. The first test to open it builds it; if that
// fails, so does every test that opens it.
type Template struct {
	// Build fills the migrated store, with clock at Start; nil leaves it
	// empty.
	Build func(t *testing.T, st *store.Store, clock *Clock)

	once  sync.Once
	built bool
	db    []byte // the database file
	key   []byte // its documents key: what Build sealed is sealed with it
	now   time.Time
}

// migrated is writ's schema without records, which the SQLite openers
// copy.
var migrated Template

// Open is an Opener: a copy of the template in a new file under
// t.TempDir(), with the template's documents key.
func (tp *Template) Open(t *testing.T, now func() time.Time) *store.Store {
	t.Helper()
	return tp.open(t, now, nil)
}

// open is Open with the options configure sets; documents keys it gives
// replace the template's.
func (tp *Template) open(t *testing.T, now func() time.Time, configure func(*store.Options)) *store.Store {
	t.Helper()
	path := tp.copy(t)
	keys, err := sealing.LoadOrCreateKeys(filepath.Join(filepath.Dir(path), "documents.key"))
	if err != nil {
		t.Fatal(err)
	}
	return OpenAt(t, path, now, func(o *store.Options) {
		o.DocumentKeys = keys
		if configure != nil {
			configure(o)
		}
	})
}

// copy writes the template's database and documents key into a new
// folder under t.TempDir() and returns the database's path.
func (tp *Template) copy(t *testing.T) string {
	t.Helper()
	tp.once.Do(func() { tp.build(t) })
	if !tp.built {
		t.Fatal("storetest: the template database could not be made (see the first test that opened it)")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "writ.db")
	if err := os.WriteFile(path, tp.db, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "documents.key"), tp.key, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// build makes the template in t's temporary folder and keeps its bytes.
func (tp *Template) build(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	path, keyPath := filepath.Join(dir, "writ.db"), filepath.Join(dir, "documents.key")
	keys, err := sealing.LoadOrCreateKeys(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	clock := NewClock(Start)
	st := OpenAt(t, path, clock.Now, func(o *store.Options) { o.DocumentKeys = keys })
	if tp.Build != nil {
		tp.Build(t, st, clock)
	}
	// Closing the last connection moves the write-ahead log into the
	// database file and removes it.
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("storetest: the template's write-ahead log is still there after closing it (%v)", err)
	}
	if tp.db, err = os.ReadFile(path); err != nil {
		t.Fatal(err)
	}
	if tp.key, err = os.ReadFile(keyPath); err != nil {
		t.Fatal(err)
	}
	tp.now, tp.built = clock.Now(), true
}

// FixtureTemplate is NewFixture's registry on SQLite, with what Prepare
// adds to it (passwords, say), made once per test binary and copied for
// each test that asks for it.
type FixtureTemplate struct {
	tp      Template
	fixture Fixture
}

// NewFixtureTemplate returns a template of the registry changed by
// prepare (which may be nil).
func NewFixtureTemplate(prepare func(t *testing.T, f *Fixture)) *FixtureTemplate {
	ft := &FixtureTemplate{}
	ft.tp.Build = func(t *testing.T, st *store.Store, clock *Clock) {
		f := &Fixture{Store: st, Identity: identity.New(st), Clock: clock}
		f.fill(t)
		if prepare != nil {
			prepare(t, f)
		}
		ft.fixture = *f
	}
	return ft
}

// Fixture returns a fixture on a copy of the template, its clock where the
// template's stopped.
func (ft *FixtureTemplate) Fixture(t *testing.T) *Fixture {
	t.Helper()
	ft.tp.once.Do(func() { ft.tp.build(t) })
	clock := NewClock(ft.tp.now)
	st := ft.tp.Open(t, clock.Now)
	f := ft.fixture
	f.Store, f.Identity, f.Clock = st, identity.New(st), clock
	return &f
}
