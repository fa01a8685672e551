package sqldb

import (
	"fmt"
	"strings"

	"github.com/ncruces/go-sqlite3"
)

// authorize is every SQLite connection's authorizer, whatever the grant:
// a statement it refuses fails to prepare (SQLITE_AUTH, `denied`). It
// refuses what could reach files other than the database (ATTACH,
// DETACH; VACUUM raises no authorizer action, so LIMIT_ATTACHED 0 stops
// it and VACUUM INTO) and what would stay on the pooled connection for
// the next call, which may be another handler's: temporary tables,
// views, triggers and indexes, transactions and savepoints, pragmas that
// set a value, and changes()/total_changes() (counts of earlier calls'
// writes). Pragmas that only read the schema or a setting may run.
func (c *sqliteConn) authorize(action sqlite3.AuthorizerActionCode, name3rd, name4th, schema, _ string) sqlite3.AuthorizerReturnCode {
	var why string
	if schema == "temp" && action != sqlite3.AUTH_READ {
		// CREATE TABLE temp.x is AUTH_CREATE_TABLE in schema temp, and
		// temp is writable even on a read-only connection.
		why = errTemp
	}
	switch action {
	case sqlite3.AUTH_ATTACH, sqlite3.AUTH_DETACH:
		why = errAttach // VACUUM INTO attaches its file when it runs
	case sqlite3.AUTH_TRANSACTION, sqlite3.AUTH_SAVEPOINT:
		why = "transactions are not allowed: each call commits on its own"
	case sqlite3.AUTH_CREATE_TEMP_TABLE, sqlite3.AUTH_CREATE_TEMP_VIEW,
		sqlite3.AUTH_CREATE_TEMP_TRIGGER, sqlite3.AUTH_CREATE_TEMP_INDEX:
		why = errTemp
	case sqlite3.AUTH_PRAGMA:
		if !readPragma(strings.ToLower(name3rd), name4th) {
			why = fmt.Sprintf("PRAGMA %s is not allowed here", name3rd)
		}
	case sqlite3.AUTH_FUNCTION:
		switch strings.ToLower(name4th) {
		case "changes", "total_changes", "load_extension":
			why = fmt.Sprintf("%s() is not allowed", name4th)
		}
	}
	if why == "" {
		return sqlite3.AUTH_OK
	}
	c.denied = why
	return sqlite3.AUTH_DENY
}

const errTemp = "temporary objects are not allowed: they would outlive the call"

// Pragmas a guest may run: those that read the schema (with a table or
// index name as their argument) and those that read a setting (with no
// argument).
var (
	schemaPragmas = map[string]bool{
		"table_info": true, "table_xinfo": true, "table_list": true, "index_list": true,
		"index_info": true, "index_xinfo": true, "foreign_key_list": true, "foreign_key_check": true,
	}
	settingPragmas = map[string]bool{
		"user_version": true, "application_id": true, "schema_version": true, "data_version": true,
		"page_count": true, "page_size": true, "freelist_count": true, "encoding": true,
		"foreign_keys": true, "journal_mode": true, "collation_list": true, "function_list": true,
		"module_list": true, "pragma_list": true, "compile_options": true,
		"integrity_check": true, "quick_check": true,
	}
)

func readPragma(name, arg string) bool {
	return schemaPragmas[name] || (arg == "" && settingPragmas[name])
}
