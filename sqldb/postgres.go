package sqldb

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"

	"github.com/gojinn/gojinn/host"
)

// pgDB is a PostgreSQL server behind a pool per role: rw from the dsn,
// ro from read_dsn (nil without it). Statements go through pgconn's
// extended protocol with an unnamed statement, so PostgreSQL refuses a
// text holding two, and nothing is prepared on the connection for pgx to
// cache. After every call the connection is reset (DISCARD ALL, off the
// call's path); pgxpool drops one left inside a transaction.
type pgDB struct {
	rw, ro *pgxpool.Pool
}

// PostgreSQL type OIDs that read as other than text.
const (
	oidBool   = 16
	oidBytea  = 17
	oidInt8   = 20
	oidInt2   = 21
	oidInt4   = 23
	oidOID    = 26
	oidFloat4 = 700
	oidFloat8 = 701
)

// resetTimeout bounds the reset of a released connection.
const resetTimeout = 5 * time.Second

func openPostgres(cfg Config, logger *zap.Logger) (*pgDB, error) {
	size := cfg.Pool
	if size == 0 {
		size = DefaultPostgresConns
	}
	rw, err := newPGPool("dsn", cfg.DSN, size, logger)
	if err != nil {
		return nil, err
	}
	db := &pgDB{rw: rw}
	if cfg.ReadDSN != "" {
		if db.ro, err = newPGPool("read_dsn", cfg.ReadDSN, size, logger); err != nil {
			rw.Close()
			return nil, err
		}
	}
	return db, nil
}

// newPGPool makes a pool; it connects on first use. Errors never hold
// the connection string, which may hold a password.
func newPGPool(which, dsn string, size int, logger *zap.Logger) (*pgxpool.Pool, error) {
	if dsn == "" {
		return nil, fmt.Errorf("%s is empty", which)
	}
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("%s cannot be parsed (it is not shown: it may hold a password)", which)
	}
	pc.MaxConns = int32(size)
	// A call's end (timeout, the run's stop) sends the server a cancel
	// request and keeps the connection, whose query ends with an error;
	// the socket is closed a second later only if the server does not
	// answer (pgx's default closes it at once, and a reconnect with
	// SCRAM costs milliseconds).
	pc.ConnConfig.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: time.Second}
	}
	pc.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		return refuseSuperuser(ctx, c, which)
	}
	pc.AfterRelease = func(c *pgx.Conn) bool {
		ctx, cancel := context.WithTimeout(context.Background(), resetTimeout)
		defer cancel()
		if err := c.PgConn().Exec(ctx, "DISCARD ALL").Close(); err != nil {
			logger.Warn("sql: resetting a connection failed; it is closed", zap.Error(err))
			return false
		}
		return true
	}
	return pgxpool.NewWithConfig(context.Background(), pc)
}

// refuseSuperuser refuses a connection whose role is a superuser, or a
// member of one (SET ROLE makes it one), or of the roles that may run
// programs on the server (COPY ... TO PROGRAM) or read or write its
// files: a handler's SQL could do as much.
func refuseSuperuser(ctx context.Context, c *pgx.Conn, which string) error {
	var powerful bool
	err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles r WHERE pg_has_role(current_user, r.oid, 'MEMBER')
		AND (r.rolsuper OR r.rolname IN ('pg_execute_server_program', 'pg_read_server_files', 'pg_write_server_files')))`,
		pgx.QueryExecModeSimpleProtocol).Scan(&powerful)
	if err != nil {
		return fmt.Errorf("checking the %s role: %w", which, err)
	}
	if powerful {
		return fmt.Errorf("the %s role %q is a superuser, or may become one, run programs or reach the server's files: refused (docs/sql.md: give a role of its own)", which, c.Config().User)
	}
	return nil
}

func (db *pgDB) canRead() error {
	if db.ro == nil {
		return errors.New("a read grant needs read_dsn, a role that can only read (docs/sql.md)")
	}
	return nil
}

func (db *pgDB) close() error {
	db.rw.Close()
	if db.ro != nil {
		db.ro.Close()
	}
	return nil
}

// run runs stmt on a connection of the grant's pool and gives its
// result to fn; a conn fn returns with closeConn set is dropped.
func (db *pgDB) run(ctx context.Context, readOnly bool, stmt string, params []any, fn func(*pgconn.ResultReader) (closeConn bool, err error)) error {
	pool := db.rw
	if readOnly {
		pool = db.ro
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return errors.Join(host.ErrUnavailable, err)
	}
	defer conn.Release()
	values, oids, formats := pgParams(params)
	pc := conn.Conn().PgConn()
	rr := pc.ExecParams(ctx, stmt, values, oids, formats, nil)
	closeConn, err := fn(rr)
	if closeConn {
		// The rest of a refused result is not read: the connection goes.
		_ = pc.Close(context.Background())
		return err
	}
	if _, cerr := rr.Close(); cerr != nil {
		return pgError(cerr)
	}
	return err
}

// pgParams encodes params: integers as int8, floats as float8, booleans
// as bool, blobs as bytea (binary); a string is of type unknown, so it
// takes the type of its context as a quoted literal does (a timestamp,
// a uuid, json...).
func pgParams(params []any) (values [][]byte, oids []uint32, formats []int16) {
	values = make([][]byte, len(params))
	oids = make([]uint32, len(params))
	formats = make([]int16, len(params))
	for i, p := range params {
		switch v := p.(type) {
		case bool:
			values[i], oids[i] = strconv.AppendBool(nil, v), oidBool
		case int64:
			values[i], oids[i] = strconv.AppendInt(nil, v, 10), oidInt8
		case float64:
			values[i], oids[i] = strconv.AppendFloat(nil, v, 'g', -1, 64), oidFloat8
		case string:
			values[i] = []byte(v)
		case []byte:
			values[i], oids[i], formats[i] = append([]byte{}, v...), oidBytea, 1
		}
	}
	return values, oids, formats
}

func (db *pgDB) query(ctx context.Context, readOnly bool, stmt string, params []any, w *rowsWriter) error {
	return db.run(ctx, readOnly, stmt, params, func(rr *pgconn.ResultReader) (bool, error) {
		fields := rr.FieldDescriptions()
		names := make([]string, len(fields))
		for i, f := range fields {
			names[i] = f.Name
		}
		w.columns(names)
		for rr.NextRow() {
			if err := w.row(); err != nil {
				return true, err
			}
			for i, raw := range rr.Values() {
				v, err := pgValue(fields[i].DataTypeOID, raw)
				if err != nil {
					return true, err
				}
				if err := w.value(v); err != nil {
					return true, err
				}
			}
			if err := w.endRow(); err != nil {
				return true, err
			}
		}
		return false, nil
	})
}

func (db *pgDB) exec(ctx context.Context, readOnly bool, stmt string, params []any) (affected, lastID int64, err error) {
	err = db.run(ctx, readOnly, stmt, params, func(rr *pgconn.ResultReader) (bool, error) {
		tag, err := rr.Close()
		if err != nil {
			return false, pgError(err)
		}
		affected = tag.RowsAffected()
		return false, nil
	})
	return affected, 0, err
}

// pgValue reads a value in PostgreSQL's text format: integers, floats
// and booleans as themselves, bytea as a blob, any other type as the
// text PostgreSQL writes for it (numeric exactly, timestamps, uuid,
// json, arrays...).
func pgValue(oid uint32, raw []byte) (any, error) {
	if raw == nil {
		return nil, nil
	}
	switch oid {
	case oidInt2, oidInt4, oidInt8, oidOID:
		return strconv.ParseInt(string(raw), 10, 64)
	case oidFloat4, oidFloat8:
		return strconv.ParseFloat(string(raw), 64)
	case oidBool:
		return len(raw) > 0 && raw[0] == 't', nil
	case oidBytea:
		return decodeBytea(raw)
	}
	return string(raw), nil
}

// decodeBytea reads bytea's text output: hex (\x0102, the default) or
// escape (bytea_output = escape: \\ and \ooo).
func decodeBytea(raw []byte) ([]byte, error) {
	if len(raw) >= 2 && raw[0] == '\\' && raw[1] == 'x' {
		return hex.AppendDecode(nil, raw[2:])
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		switch {
		case raw[i] != '\\':
			out = append(out, raw[i])
		case i+1 < len(raw) && raw[i+1] == '\\':
			out = append(out, '\\')
			i++
		case i+3 < len(raw):
			n, err := strconv.ParseUint(string(raw[i+1:i+4]), 8, 8)
			if err != nil {
				return nil, fmt.Errorf("bytea: %w", err)
			}
			out = append(out, byte(n))
			i += 3
		default:
			return nil, errors.New("bytea: a bad escape")
		}
	}
	return out, nil
}
