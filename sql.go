package gojinn

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/sqldb"
)

// DatabaseConfig is one `database <name> sqlite|postgres ...` line of the
// gojinn app (docs/sql.md): a database that handlers with a `sql` grant
// reach through the sql_query and sql_exec host functions. The app opens
// it when it loads (a SQLite file is created then; PostgreSQL connects on
// first use) and closes it when the config is replaced, after its last
// call in flight.
type DatabaseConfig struct {
	// Kind is "sqlite" or "postgres".
	Kind string `json:"kind"`

	// File is a SQLite database's file; a relative path is under the
	// app's data_dir. Placeholders are resolved at load.
	File string `json:"file,omitempty"`

	// DSN is a PostgreSQL connection string (a postgres:// URL or
	// key=value pairs) of a role that is not a superuser. Write it, or
	// its password, as a placeholder ({env.PG_DSN}) so that Caddy's
	// config shows the placeholder; it is never logged.
	DSN string `json:"dsn,omitempty"`

	// ReadDSN is the connection string of a PostgreSQL role that can only
	// read: `read` grants use it. Without it a read grant fails the load.
	ReadDSN string `json:"read_dsn,omitempty"`

	// Pool is how many connections: a SQLite database's readers (it has
	// one writer besides), a PostgreSQL database's per DSN. Default: 4
	// readers for SQLite, 10 for PostgreSQL.
	Pool int `json:"pool,omitempty"`

	// MaxRows caps a query's rows; a larger result is `too_large`, never
	// truncated. Default: 1000.
	MaxRows int `json:"max_rows,omitempty"`

	// MaxResult caps a query's result object (its JSON), in bytes; a
	// larger one is `too_large`. Default: 1 MiB.
	MaxResult int64 `json:"max_result,omitempty"`

	// Timeout bounds each call; the run's own deadline bounds it too.
	// Default: 5s.
	Timeout caddy.Duration `json:"timeout,omitempty"`
}

// SQLGrant grants a handler one database of the gojinn app.
type SQLGrant struct {
	// Database is the database's name.
	Database string `json:"database"`
	// ReadOnly gives the database's read-only connection: a write is the
	// `denied` status, refused by the database itself.
	ReadOnly bool `json:"read_only,omitempty"`
}

// openDatabases opens every database of the app, granted or not, so
// that a mistake shows at load.
func (a *App) openDatabases(dataDir string) error {
	repl := caddy.NewReplacer()
	a.databases = make(map[string]*sqldb.DB, len(a.Databases))
	for name, c := range a.Databases {
		if !storeName.MatchString(name) {
			return fmt.Errorf("gojinn: database %q: not a valid name (1 to 64 letters, digits, '_' or '-')", name)
		}
		if c == nil {
			return fmt.Errorf("gojinn: database %s: no settings", name)
		}
		cfg := sqldb.Config{
			Name: name, Kind: c.Kind, Pool: c.Pool, MaxRows: c.MaxRows, MaxResult: int(c.MaxResult),
			Timeout: time.Duration(c.Timeout), Logger: a.logger,
		}
		switch c.Kind {
		case sqldb.SQLite:
			cfg.Path = repl.ReplaceKnown(c.File, "")
			if cfg.Path != "" && !filepath.IsAbs(cfg.Path) {
				cfg.Path = filepath.Join(dataDir, cfg.Path)
			}
		case sqldb.Postgres:
			cfg.DSN, cfg.ReadDSN = repl.ReplaceKnown(c.DSN, ""), repl.ReplaceKnown(c.ReadDSN, "")
		}
		db, err := sqldb.Open(cfg)
		if err != nil {
			return fmt.Errorf("gojinn: %w", err)
		}
		a.databases[name] = db
	}
	return nil
}

// closeDatabases closes the app's databases, each after its last call
// in flight.
func (a *App) closeDatabases() error {
	var errs []error
	for _, db := range a.databases {
		errs = append(errs, db.Close())
	}
	a.databases = nil
	return errors.Join(errs...)
}

// provisionSQL gives the handler each granted database under its grant;
// a database the app lacks, or a read grant it cannot enforce, fails the
// load naming it.
func (g *Gojinn) provisionSQL(app *App) error {
	if len(g.SQL) == 0 {
		return nil
	}
	grants := make(map[string]host.SQL, len(g.SQL))
	for _, sg := range g.SQL {
		if _, dup := grants[sg.Database]; dup {
			return fmt.Errorf("gojinn: %s: sql: the database %q is granted twice", g.Path, sg.Database)
		}
		db := app.databases[sg.Database]
		if db == nil {
			return fmt.Errorf("gojinn: %s: sql: the gojinn app has no database %q (docs/sql.md)", g.Path, sg.Database)
		}
		access, err := db.Access(sg.ReadOnly)
		if err != nil {
			return fmt.Errorf("gojinn: %s: sql %s read: %w", g.Path, sg.Database, err)
		}
		grants[sg.Database] = access
	}
	g.host.grants.SQL = grants
	return nil
}
