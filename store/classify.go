package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"writ"
)

// A failure's class, read from the database's own error codes: PostgreSQL's
// SQLSTATE (*pgconn.PgError), SQLite's result code (*sqlite.Error), and the
// errors of the network and the operating system beneath them. Never from
// an error's text, which changes with versions and languages.
type failure int

const (
	failureOther       failure = iota
	failureFull                // no space left for the write
	failureUnavailable         // the database cannot be reached, or is going away
	failureBusy                // a lock, a deadlock or a serialisation failure: the same request may succeed again
	failureUnique              // a row with the same key was written first
	failureTimeout             // a lock or a statement took longer than the session's timeouts allow
)

// PostgreSQL's SQLSTATE codes writ tells apart (appendix A of its manual).
const (
	pgDiskFull             = "53100"
	pgAdminShutdown        = "57P01"
	pgCrashShutdown        = "57P02"
	pgCannotConnectNow     = "57P03"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
	pgUniqueViolation      = "23505"
	pgConnectionException  = "08"    // the class: 08000, 08003, 08006, …
	pgLockNotAvailable     = "55P03" // lock_timeout
	pgQueryCanceled        = "57014" // statement_timeout
	pgIdleInTransaction    = "25P03" // idle_in_transaction_session_timeout
)

// classify gives err's class.
func classify(err error) failure {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == pgDiskFull:
			return failureFull
		case pgErr.Code == pgAdminShutdown, pgErr.Code == pgCrashShutdown, pgErr.Code == pgCannotConnectNow,
			len(pgErr.Code) == 5 && pgErr.Code[:2] == pgConnectionException:
			return failureUnavailable
		case pgErr.Code == pgSerializationFailure, pgErr.Code == pgDeadlockDetected:
			return failureBusy
		case pgErr.Code == pgUniqueViolation:
			return failureUnique
		case pgErr.Code == pgLockNotAvailable, pgErr.Code == pgQueryCanceled, pgErr.Code == pgIdleInTransaction:
			return failureTimeout
		}
		return failureOther
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		// Code may be an extended result code; its low byte is the primary.
		switch code := liteErr.Code(); {
		case code&0xff == sqlite3.SQLITE_FULL:
			return failureFull
		case code&0xff == sqlite3.SQLITE_BUSY, code&0xff == sqlite3.SQLITE_LOCKED:
			return failureBusy
		case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE, code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return failureUnique
		case code&0xff == sqlite3.SQLITE_CANTOPEN:
			return failureUnavailable
		}
		return failureOther
	}
	var netErr *net.OpError
	var connectErr *pgconn.ConnectError
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return failureFull
	case errors.As(err, &connectErr), errors.As(err, &netErr), errors.Is(err, driver.ErrBadConn), errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return failureUnavailable
	}
	return failureOther
}

// Classify gives a coded error for failures of the database that a caller
// should understand: a lost or refused connection, or a database going
// away, becomes EUNAVAILABLE (the API answers 503 and the client retries;
// database/sql reconnects by itself once the database is back), as does a
// lock, deadlock or serialisation failure; a full disk becomes ESTORAGE and
// a row with the same key written first ECONFLICT. Coded errors and others
// are returned as they are.
func Classify(err error) error {
	if err == nil || writ.ErrorCode(err) != writ.EINTERNAL {
		return err
	}
	switch classify(err) {
	case failureFull:
		return &writ.Error{Code: writ.ESTORAGE, Message: "the server's storage is full; nothing was written"}
	case failureUnavailable:
		return unavailable(err)
	case failureBusy:
		return &writ.Error{Code: writ.EUNAVAILABLE, Message: "the database was busy with other changes; nothing was written; try again shortly"}
	case failureTimeout:
		// The session's timeouts (Timeouts) rolled the transaction back.
		return &writ.Error{Code: writ.EUNAVAILABLE, Message: "the database is busy: a lock or a statement took longer than allowed; nothing was written; try again shortly"}
	case failureUnique:
		return &writ.Error{Code: writ.ECONFLICT, Message: "a record with the same key was saved at the same moment; nothing was written"}
	}
	return err
}

// unavailable marks a failure to reach the database, which the API answers
// with 503 and a retry hint.
func unavailable(err error) error {
	return &writ.Error{Code: writ.EUNAVAILABLE, Message: "the database is unavailable; try again shortly: " + shortCause(err)}
}

// shortCause gives the class of a connection failure without addresses or
// credentials.
func shortCause(err error) string {
	var netErr net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err), errors.As(err, &netErr) && netErr.Timeout():
		return "timed out"
	}
	return "no connection"
}

// unavailableOr classifies a query error: a lost connection becomes
// EUNAVAILABLE, anything else an internal error with context.
func unavailableOr(err error, context string) error {
	if classify(err) == failureUnavailable {
		return unavailable(err)
	}
	return fmt.Errorf("%s: %w", context, err)
}
