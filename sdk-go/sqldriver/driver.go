// Package sqldriver is the database/sql driver of Gojinn handlers,
// registered as "gojinn" when the package is imported: it runs
// statements on the databases granted to the handler (`sql <name>` in its
// Caddyfile block, docs/sql.md) through the host ABI's sql_query and
// sql_exec.
//
//	import (
//		"database/sql"
//
//		_ "github.com/gojinn/gojinn/sdk-go/sqldriver"
//	)
//
//	db, err := sql.Open("gojinn", "main") // the name of the database, as granted
//
// Each statement is one host call on a pooled connection of the host, and
// commits on its own: there are no transactions (Begin is an error
// wrapping errors.ErrUnsupported), Prepare makes no call, and a
// connection costs nothing. Placeholders are the database's own (`?` for
// SQLite, `$1` for PostgreSQL); named parameters are refused.
//
// Parameters are what database/sql passes a driver: nil, int64, float64,
// bool, string, []byte and time.Time (sent as RFC 3339 text), after its
// usual conversions (other integer types, pointers, driver.Valuer). A
// result value is nil, int64, float64, bool, string, []byte, or a
// time.Time for text that is exactly an RFC 3339 timestamp as a time.Time
// parameter writes it: such a value scans into a time.Time, and into a
// string as the same text. Errors are the gojinn package's: test them
// with errors.Is(err, gojinn.ErrConflict); errors.As with *gojinn.SQLError
// gives the database's message.
package sqldriver

import (
	"context"
	"database/sql"
	"database/sql/driver"

	"github.com/gojinn/gojinn/sdk-go/gojinn"
)

func init() { sql.Register("gojinn", Driver{}) }

// Driver is the driver registered as "gojinn". The data source name is
// the database's name.
type Driver struct{}

// Open returns a connection to the database named name.
func (Driver) Open(name string) (driver.Conn, error) { return &conn{db: gojinn.SQL(name)}, nil }

// OpenConnector returns the connector database/sql opens connections with.
func (Driver) OpenConnector(name string) (driver.Connector, error) {
	return connector{db: gojinn.SQL(name)}, nil
}

// database is what a connection needs of gojinn.Database: the seam the
// tests fill with a fake.
type database interface {
	Query(ctx context.Context, text string, params ...any) (*gojinn.QueryResult, error)
	Exec(ctx context.Context, text string, params ...any) (gojinn.ExecResult, error)
}

// connector makes connections to one database; they hold no state.
type connector struct{ db database }

// Connect returns a connection; it makes no host call.
func (c connector) Connect(context.Context) (driver.Conn, error) { return &conn{db: c.db}, nil }

// Driver returns the driver registered as "gojinn".
func (connector) Driver() driver.Driver { return Driver{} }

// Interface guards: what database/sql finds on these types.
var (
	_ driver.Driver            = Driver{}
	_ driver.DriverContext     = Driver{}
	_ driver.Connector         = connector{}
	_ driver.QueryerContext    = (*conn)(nil)
	_ driver.ExecerContext     = (*conn)(nil)
	_ driver.ConnBeginTx       = (*conn)(nil)
	_ driver.NamedValueChecker = (*conn)(nil)
	_ driver.StmtExecContext   = (*stmt)(nil)
	_ driver.StmtQueryContext  = (*stmt)(nil)
)
