package store

import (
	"database/sql"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Timeouts bound what one connection to PostgreSQL may hold, so that a
// server that froze or lost its network cannot keep locks for hours. Each
// is set on every connection as it opens (PostgreSQL's session settings
// of the same names); zero leaves PostgreSQL's own setting.
type Timeouts struct {
	// Lock is lock_timeout: how long a statement waits for a lock before
	// it fails (the request answers an error rather than hang).
	Lock time.Duration
	// Statement is statement_timeout: how long one statement may run.
	Statement time.Duration
	// IdleInTransaction is idle_in_transaction_session_timeout: a
	// session that holds a transaction open without a statement for
	// longer is ended by the server, and its locks released.
	IdleInTransaction time.Duration
	// Keepalive is the TCP keepalive period of both ends of each
	// connection: writ's dialer, and the server's tcp_keepalives_idle and
	// tcp_keepalives_interval, so that either notices the other gone.
	Keepalive time.Duration
}

// DefaultTimeouts are writ's settings when none are given.
var DefaultTimeouts = Timeouts{Lock: 10 * time.Second, Statement: 2 * time.Minute, IdleInTransaction: time.Minute, Keepalive: 30 * time.Second}

// openPostgres opens a pool of connections to dsn with the timeouts set
// on each.
func openPostgres(dsn string, t Timeouts) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
	set := func(name string, d time.Duration) {
		if d > 0 {
			cfg.RuntimeParams[name] = ms(d)
		}
	}
	set("lock_timeout", t.Lock)
	set("statement_timeout", t.Statement)
	set("idle_in_transaction_session_timeout", t.IdleInTransaction)
	if t.Keepalive > 0 {
		secs := strconv.Itoa(max(1, int(t.Keepalive.Seconds())))
		cfg.RuntimeParams["tcp_keepalives_idle"] = secs
		cfg.RuntimeParams["tcp_keepalives_interval"] = secs
		dialer := &net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: t.Keepalive}
		if dialer.Timeout == 0 {
			dialer.Timeout = 10 * time.Second
		}
		cfg.DialFunc = dialer.DialContext
	}
	return stdlib.OpenDB(*cfg), nil
}
