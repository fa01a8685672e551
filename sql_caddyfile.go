package gojinn

import (
	"slices"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

func init() {
	globalOptions["database"] = parseDatabaseOption
	handlerOptions["sql"] = handlerOption{parse: parseSQLGrant, repeatable: true}
}

// parseDatabaseOption reads an app's database (docs/sql.md):
//
//	database <name> sqlite <file> {
//	    pool       <readers>
//	    max_rows   <n>
//	    max_result <size>
//	    timeout    <duration>
//	}
//	database <name> postgres <dsn> {
//	    read_dsn   <dsn>
//	    pool       <connections>
//	    max_rows   <n>
//	    max_result <size>
//	    timeout    <duration>
//	}
//
// Repeatable, each name once; the block is optional, every line once.
func parseDatabaseOption(d *caddyfile.Dispenser, app *App) error {
	args := d.RemainingArgs()
	if len(args) != 3 || (args[1] != "sqlite" && args[1] != "postgres") {
		return d.Errf("database takes a name, sqlite or postgres, and a file or a dsn, got %q", args)
	}
	name := args[0]
	if !storeName.MatchString(name) {
		return d.Errf("database: %q is not a valid name (1 to 64 letters, digits, '_' or '-')", name)
	}
	if _, dup := app.Databases[name]; dup {
		return d.Errf("database %s is given twice", name)
	}
	cfg := &DatabaseConfig{Kind: args[1]}
	if cfg.Kind == "sqlite" {
		cfg.File = args[2]
	} else {
		cfg.DSN = args[2]
	}
	given := map[string]bool{}
	for d.NextBlock(1) {
		option := d.Val()
		if given[option] {
			return d.Errf("database %s: %s is given twice", name, option)
		}
		given[option] = true
		var err error
		switch option {
		case "read_dsn":
			if cfg.Kind != "postgres" {
				return d.Errf("database %s: read_dsn is for postgres (a SQLite read grant needs nothing)", name)
			}
			cfg.ReadDSN, err = oneArg(d)
		case "pool":
			cfg.Pool, err = intArg(d, 1)
		case "max_rows":
			cfg.MaxRows, err = intArg(d, 1)
		case "max_result":
			cfg.MaxResult, err = sizeArg(d)
		case "timeout":
			cfg.Timeout, err = durationArg(d)
		default:
			return d.Errf("database %s: unknown option %q (read_dsn, pool, max_rows, max_result, timeout)", name, option)
		}
		if err != nil {
			return err
		}
	}
	if app.Databases == nil {
		app.Databases = map[string]*DatabaseConfig{}
	}
	app.Databases[name] = cfg
	return nil
}

// parseSQLGrant reads `sql <name> [read|readwrite]`.
func parseSQLGrant(d *caddyfile.Dispenser, g *Gojinn) error {
	name, readOnly, err := grantArgs(d, "sql", "database")
	if err != nil {
		return err
	}
	if slices.ContainsFunc(g.SQL, func(o SQLGrant) bool { return o.Database == name }) {
		return d.Errf("sql %s is given twice", name)
	}
	g.SQL = append(g.SQL, SQLGrant{Database: name, ReadOnly: readOnly})
	return nil
}
