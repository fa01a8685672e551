package sqldb_test

import (
	"context"
	"testing"

	"github.com/gojinn/gojinn/sqldb"
)

// BenchmarkSQLitePointQuery is one point query by primary key through
// sqldb (the host side of a guest's sql_query, without the guest):
//
//	go test -run '^$' -bench SQLitePointQuery -benchmem ./sqldb/
func BenchmarkSQLitePointQuery(b *testing.B) {
	_, rw, ro := openSQLite(b, sqldb.Config{})
	mustExec(b, rw, "CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT)")
	mustExec(b, rw, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) INSERT INTO kv SELECT x, 'value ' || x FROM c")
	params := []any{int64(500)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ro.Query(context.Background(), "SELECT v FROM kv WHERE k = ?", params); err != nil {
			b.Fatal(err)
		}
	}
}
