// Package sqldb is the SQL databases of the host ABI's sql_query and
// sql_exec (docs/sql.md): SQLite files on github.com/ncruces/go-sqlite3
// (pure Go, no cgo) and PostgreSQL servers on pgx, each behind a pool of
// connections, as a host.SQL per grant. It knows nothing of Caddy.
//
// What it guarantees:
//   - One statement per call, its params bound positionally, committed
//     on its own; a text holding a second statement is invalid.
//   - A `read` grant is enforced by the database: a SQLite connection
//     opened read-only, a PostgreSQL role of its own (read_dsn).
//   - Nothing of one call reaches the next through a pooled connection:
//     SQLite's authorizer refuses what would stay on a connection
//     (temporary objects, transactions, pragmas that write) and what could
//     reach other files (ATTACH, VACUUM INTO); a PostgreSQL connection is
//     reset (DISCARD ALL) after every call, and dropped when a call left
//     it inside a transaction.
//   - Results are never truncated: over max_rows or max_result the call is
//     host.ErrTooLarge. Every call ends by its timeout or its context.
//   - A failure the database reported is a *host.SQLError carrying its
//     message; others are the host.Err* of their status.
package sqldb
