package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"writ/casework"
	"writ/notify"
	"writ/rules"
	"writ/sealing"
	"writ/store"
)

// defaultDB is where writ keeps its SQLite database unless told otherwise.
const defaultDB = "./writ-data/writ.db"

// dataDir is where writ keeps its files beside the database: the SQLite
// file's folder, or ./writ-data for PostgreSQL.
func dataDir(db string) string {
	if store.PostgresDSN(db) {
		return "./writ-data"
	}
	return filepath.Dir(db)
}

// storeFlags are the flags of every command that opens the database.
type storeFlags struct {
	db           string
	rulebook     string
	documentsKey string
	// configure, when set, adds a command's own settings (serve's clock
	// and job settings) to the store's options and to those of the jobs a
	// change enqueues.
	configure func(*store.Options, *notify.QueueOptions)
	// keys are the documents keys open gave the store.
	keys *sealing.Keys
	// create lets open start a new data directory: a new database and new
	// keys. Only the commands that set one up (serve, demo, migrate) may;
	// every other command run in the wrong folder would otherwise work on
	// an empty database and seal with keys nobody has.
	create bool
}

// addStoreFlags adds --db and --documents-key, and --rulebook when the
// command assesses demands (the others open the store with the built-in
// rulebook, which they never consult).
func addStoreFlags(fs *flag.FlagSet, rulebook bool) *storeFlags {
	f := &storeFlags{}
	fs.StringVar(&f.db, "db", defaultDB, "the database: a SQLite file path or a postgres:// URL")
	if rulebook {
		fs.StringVar(&f.rulebook, "rulebook", "", "a rulebook `folder` to use instead of the built-in one")
	}
	fs.StringVar(&f.documentsKey, "documents-key", "", "the `file` of keys that seal legal documents at rest, created at first start\n(default: documents.key in the data directory)")
	return f
}

// dataDirHint is what to do when no data directory is where a command looks.
const dataDirHint = `run "writ demo" or "writ serve" first, or pass --db`

// mustExist says what is missing when the database (if db) or the
// documents key is not where f says.
func (f *storeFlags) mustExist(db bool) error {
	if f.documentsKey == "" {
		f.documentsKey = filepath.Join(dataDir(f.db), "documents.key")
	}
	noDB := db && !store.PostgresDSN(f.db) && !fileExists(f.db)
	noKey := !fileExists(f.documentsKey)
	switch {
	case noDB && noKey:
		return hinted{err: fmt.Errorf("no writ data directory at %s", dataDir(f.db)), hint: dataDirHint}
	case noDB:
		return hinted{err: fmt.Errorf("no database at %s", f.db), hint: dataDirHint}
	case noKey:
		return hinted{err: fmt.Errorf("no documents key at %s", f.documentsKey),
			hint: "pass --documents-key FILE, the key file this database's documents are sealed with"}
	}
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// open loads the rulebook, opens the database and applies any migrations
// it lacks.
func (f *storeFlags) open(ctx context.Context, log *slog.Logger) (*store.Store, *rules.Rulebook, error) {
	if !f.create {
		if err := f.mustExist(true); err != nil {
			return nil, nil, err
		}
	}
	rb, err := loadRulebook(f.rulebook)
	if err != nil {
		return nil, nil, err
	}
	if f.documentsKey == "" {
		f.documentsKey = filepath.Join(dataDir(f.db), "documents.key")
	}
	if f.keys, err = sealing.LoadOrCreateKeys(f.documentsKey); err != nil {
		return nil, nil, err
	}
	opts := store.Options{Rules: rb, Assessor: casework.NewAssessor(rb), DocumentKeys: f.keys}
	var q notify.QueueOptions
	if f.configure != nil {
		f.configure(&opts, &q)
	}
	q.Postgres, q.Now, q.Log = store.PostgresDSN(f.db), opts.Now, log
	if opts.Jobs, err = notify.NewQueue(q); err != nil {
		return nil, nil, err
	}
	st, err := store.Open(ctx, f.db, opts)
	if err != nil {
		return nil, nil, err
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	for _, m := range applied {
		log.Info("applied migration", "name", m)
	}
	return st, rb, nil
}
