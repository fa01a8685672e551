package host_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/sqldb"
)

// vectorDatabase is a SQLite database of a vector: its schema (and
// rows) as statements run before the run, and its caps (0: defaults).
type vectorDatabase struct {
	Schema    []string `json:"schema"`
	MaxRows   int      `json:"max_rows"`
	MaxResult int      `json:"max_result"`
}

// vectorQuery is a query run on a database after the run, and its
// result object.
type vectorQuery struct {
	DB     string `json:"db"`
	SQL    string `json:"sql"`
	Result string `json:"result"`
}

// openVectorDatabases makes each database in a temporary file, runs its
// schema, and grants them as sqlGrants says ("read" or "read-write").
func openVectorDatabases(t *testing.T, dbs map[string]vectorDatabase, sqlGrants map[string]string, grants *host.Grants) map[string]*sqldb.DB {
	t.Helper()
	open := map[string]*sqldb.DB{}
	dir := t.TempDir()
	for name, d := range dbs {
		db, err := sqldb.Open(sqldb.Config{
			Name: name, Kind: sqldb.SQLite, Path: filepath.Join(dir, name+".db"),
			MaxRows: d.MaxRows, MaxResult: d.MaxResult,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		rw, _ := db.Access(false)
		for _, stmt := range d.Schema {
			if _, err := rw.Exec(context.Background(), stmt, nil); err != nil {
				t.Fatalf("database %s: %s: %v", name, stmt, err)
			}
		}
		open[name] = db
	}
	if len(sqlGrants) > 0 {
		grants.SQL = map[string]host.SQL{}
	}
	for name, access := range sqlGrants {
		db := open[name]
		if db == nil {
			t.Fatalf("the sql grant names %q, which the vector's databases lack", name)
		}
		grants.SQL[name], _ = db.Access(access == "read")
	}
	return open
}

// checkVectorQueries runs each query and compares its result object.
func checkVectorQueries(t *testing.T, dbs map[string]*sqldb.DB, queries []vectorQuery) {
	t.Helper()
	for _, q := range queries {
		rw, _ := dbs[q.DB].Access(false)
		got, err := rw.Query(context.Background(), q.SQL, nil)
		if err != nil || string(got) != q.Result {
			t.Errorf("after the run, %s: %s %v, want %s", q.SQL, got, err, q.Result)
		}
	}
}

// untouchedOuts says whether a call that failed left the out-parameters
// as they were, but *len_out (written with buffer_too_small) and, for
// sql_query and sql_exec, the handle and size they write on any status.
func untouchedOuts(fn string, outs []byte) bool {
	rest := bytes.Clone(outs[4:])
	if fn == "sql_query" || fn == "sql_exec" {
		at := addrOut - addrLenOut - 4
		copy(rest[at:at+8], bytes.Repeat([]byte{sentinel}, 8))
	}
	return bytes.Equal(rest, bytes.Repeat([]byte{sentinel}, outsSize-4))
}
