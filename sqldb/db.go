package sqldb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/gojinn/gojinn/host"
)

// The kinds of database.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Defaults of a database's settings (docs/sql.md).
const (
	DefaultMaxRows        = 1000
	DefaultMaxResult      = 1 << 20
	DefaultTimeout        = 5 * time.Second
	DefaultSQLiteReaders  = 4
	DefaultPostgresConns  = 10
	sqliteBusyTimeoutCeil = time.Second
)

// Config is one database. A zero setting means its default.
type Config struct {
	// Name names the database in errors and logs.
	Name string
	// Kind is SQLite or Postgres.
	Kind string
	// Path is a SQLite database's file; its directory is created.
	Path string
	// DSN is a PostgreSQL connection string (URL or key=value); its role
	// must not be a superuser.
	DSN string
	// ReadDSN is the connection string of a role that can only read,
	// used for `read` grants; without it a read grant cannot be given.
	ReadDSN string
	// Pool is how many connections: a SQLite database's readers (it has
	// one writer besides), a PostgreSQL server's connections per DSN.
	Pool int
	// MaxRows caps the rows of a query's result.
	MaxRows int
	// MaxResult caps a query's result object, in bytes.
	MaxResult int
	// Timeout bounds each call (the run's stop bounds it too).
	Timeout time.Duration
	// Logger gets failures the guest sees only as a status (unavailable,
	// io_error); nil: none.
	Logger *zap.Logger
}

// engine is a kind of database.
type engine interface {
	// query runs a statement and writes its rows to w.
	query(ctx context.Context, readOnly bool, stmt string, params []any, w *rowsWriter) error
	// exec runs a statement and returns its counts.
	exec(ctx context.Context, readOnly bool, stmt string, params []any) (affected, lastID int64, err error)
	// canRead says whether read grants can be given, or why not.
	canRead() error
	close() error
}

// DB is an open database. Its Close waits for no call: it closes the
// pools when the last call in flight ends.
type DB struct {
	cfg    Config
	eng    engine
	logger *zap.Logger

	mu      sync.Mutex
	calls   int
	closing bool
}

// Open checks cfg and opens the database: a SQLite file is created and
// its writer connection opened now; PostgreSQL connects on first use.
func Open(cfg Config) (*DB, error) {
	if cfg.MaxRows < 0 || cfg.MaxResult < 0 || cfg.Timeout < 0 || cfg.Pool < 0 {
		return nil, fmt.Errorf("database %s: pool, max_rows, max_result and timeout may not be negative", cfg.Name)
	}
	if cfg.MaxRows == 0 {
		cfg.MaxRows = DefaultMaxRows
	}
	if cfg.MaxResult == 0 {
		cfg.MaxResult = DefaultMaxResult
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	logger := cfg.Logger
	if logger == nil {
		logger = zap.NewNop()
	}
	logger = logger.With(zap.String("database", cfg.Name))
	var eng engine
	var err error
	switch cfg.Kind {
	case SQLite:
		eng, err = openSQLite(cfg)
	case Postgres:
		eng, err = openPostgres(cfg, logger)
	default:
		err = fmt.Errorf("unknown kind %q (sqlite or postgres)", cfg.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", cfg.Name, err)
	}
	return &DB{cfg: cfg, eng: eng, logger: logger}, nil
}

// Access is the database under one grant: read-only or not. A read-only
// grant of a PostgreSQL database without read_dsn is an error.
func (db *DB) Access(readOnly bool) (host.SQL, error) {
	if readOnly {
		if err := db.eng.canRead(); err != nil {
			return nil, fmt.Errorf("database %s: %w", db.cfg.Name, err)
		}
	}
	return access{db, readOnly}, nil
}

// Close closes the database once no call is in flight; a call after it
// is unavailable.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.closing {
		db.mu.Unlock()
		return nil
	}
	db.closing = true
	idle := db.calls == 0
	db.mu.Unlock()
	if idle {
		return db.eng.close()
	}
	return nil
}

// enter counts a call in; false when the database is closing.
func (db *DB) enter() bool {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closing {
		return false
	}
	db.calls++
	return true
}

// leave counts a call out, closing the pools after the last call of a
// closed database.
func (db *DB) leave() {
	db.mu.Lock()
	db.calls--
	last := db.closing && db.calls == 0
	db.mu.Unlock()
	if last {
		_ = db.eng.close()
	}
}

// access is host.SQL on a DB under one grant.
type access struct {
	db       *DB
	readOnly bool
}

var errClosed = fmt.Errorf("the database is closed (a config reload replaced it): %w", host.ErrUnavailable)

// Query runs one statement and returns its result object.
func (a access) Query(ctx context.Context, stmt string, params []any) ([]byte, error) {
	return a.call(ctx, func(ctx context.Context) ([]byte, error) {
		w := newRowsWriter(a.db.cfg.MaxRows, a.db.cfg.MaxResult)
		if err := a.db.eng.query(ctx, a.readOnly, stmt, params, w); err != nil {
			return nil, err
		}
		return w.bytes()
	})
}

// Exec runs one statement and returns its counts object.
func (a access) Exec(ctx context.Context, stmt string, params []any) ([]byte, error) {
	return a.call(ctx, func(ctx context.Context) ([]byte, error) {
		affected, lastID, err := a.db.eng.exec(ctx, a.readOnly, stmt, params)
		return execResult(affected, lastID), err
	})
}

// call runs fn counted in, under the database's timeout.
func (a access) call(ctx context.Context, fn func(context.Context) ([]byte, error)) ([]byte, error) {
	if !a.db.enter() {
		return nil, errClosed
	}
	defer a.db.leave()
	ctx, cancel := context.WithTimeout(ctx, a.db.cfg.Timeout)
	defer cancel()
	b, err := fn(ctx)
	if err != nil {
		return nil, a.db.fail(ctx, err)
	}
	return b, nil
}

// fail is a call's error: a timeout when its context ended (the run's
// stop or the database's timeout), whatever the engine made of it;
// failures the guest sees only as a status are logged.
func (db *DB) fail(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return errors.Join(host.ErrTimeout, err)
	}
	switch host.StatusOf(err) {
	case host.StatusUnavailable, host.StatusIOError:
		db.logger.Warn("sql call failed", zap.Error(err))
	}
	return err
}

// sqlError is a statement the database refused, with its message.
func sqlError(kind error, msg string) error {
	return &host.SQLError{Kind: kind, Message: msg}
}

// errParams is a call whose params do not match the statement's
// placeholders.
func errParams(given, want int) error {
	return sqlError(host.ErrInvalid, fmt.Sprintf("%d parameters given, the statement has %d", given, want))
}
