package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/internal/pgtest"
	"github.com/gojinn/gojinn/sqldb"
)

// openPostgres opens the database of a private server as its owner, with
// the reader's role for read grants.
func openPostgres(t testing.TB, srv *pgtest.Server, cfg sqldb.Config) (rw, ro host.SQL) {
	t.Helper()
	cfg.Name, cfg.Kind = "pg", sqldb.Postgres
	if cfg.DSN == "" {
		cfg.DSN, cfg.ReadDSN = srv.OwnerDSN, srv.ReaderDSN
	}
	db, err := sqldb.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if rw, err = db.Access(false); err != nil {
		t.Fatal(err)
	}
	if cfg.ReadDSN != "" {
		if ro, err = db.Access(true); err != nil {
			t.Fatal(err)
		}
	}
	return rw, ro
}

// TestPostgres runs against one private server: values both ways, the
// read role, errors, a timeout, and isolation between calls on one
// pooled connection.
func TestPostgres(t *testing.T) {
	srv := pgtest.Start(t)
	rw, ro := openPostgres(t, srv, sqldb.Config{Pool: 1, Timeout: 2 * time.Second})
	ctx := context.Background()

	t.Run("values", func(t *testing.T) {
		mustExec(t, rw, `CREATE TABLE v (id bigserial PRIMARY KEY, i int, f float8, n numeric, s text, b bool, y bytea,
			ts timestamptz, u uuid, j jsonb, a int[])`)
		got := mustExec(t, rw, "INSERT INTO v (i, f, n, s, b, y, ts, u, j, a) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
			int64(-7), 2.5, "12345678901234567890.123", "ünï \"q\"", true, []byte{0, 1, 0xff},
			"2026-12-03T17:42:18.5Z", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", `{"k": [1, 2]}`, "{1,2}")
		if got != `{"rows_affected":1,"last_insert_id":0}` {
			t.Fatalf("insert: %s", got)
		}
		mustExec(t, rw, "INSERT INTO v (f) VALUES ('Infinity'), ('NaN')")
		want := `{"columns":["id","i","f","n","s","b","y","ts","u","j","a"],"rows":[` +
			`[1,-7,2.5,"12345678901234567890.123","ünï \"q\"",true,{"blob":"AAH/"},"2026-12-03 17:42:18.5+00","a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","{\"k\": [1, 2]}","{1,2}"],` +
			`[2,null,"Infinity",null,null,null,null,null,null,null,null],` +
			`[3,null,"NaN",null,null,null,null,null,null,null,null]]}`
		if got := mustQuery(t, ro, "SELECT * FROM v ORDER BY id"); got != want {
			t.Fatalf("rows:\n%s\nwant\n%s", got, want)
		}
		if got := mustQuery(t, rw, "INSERT INTO v (i) VALUES ($1) RETURNING id, i, 3.0::float8 AS x", int64(9)); got != `{"columns":["id","i","x"],"rows":[[4,9,3.0]]}` {
			t.Fatalf("returning: %s", got)
		}
	})

	t.Run("errors", func(t *testing.T) {
		mustExec(t, rw, "CREATE TABLE e (k text PRIMARY KEY)")
		mustExec(t, rw, "INSERT INTO e VALUES ('a')")
		_, err := rw.Exec(ctx, "INSERT INTO e VALUES ($1)", []any{"a"})
		wantSQLError(t, err, host.ErrConflict, "duplicate key value violates unique constraint")
		_, err = rw.Query(ctx, "SELECT 1; SELECT 2", nil)
		wantSQLError(t, err, host.ErrInvalid, "cannot insert multiple commands")
		_, err = rw.Query(ctx, "SELECT * FROM nope", nil)
		wantSQLError(t, err, host.ErrInvalid, `relation "nope" does not exist`)
		_, err = rw.Query(ctx, "SELECT $1::int + $2::int", []any{int64(1)})
		wantSQLError(t, err, host.ErrInvalid, "bind message supplies 1 parameters")
		_, err = rw.Query(ctx, "SELECT $1::int", []any{"x"})
		wantSQLError(t, err, host.ErrInvalid, "invalid input syntax for type integer")
	})

	t.Run("read role", func(t *testing.T) {
		mustExec(t, rw, "CREATE TABLE r (v text)")
		mustExec(t, rw, "INSERT INTO r VALUES ('kept')")
		// The role has no write privilege: switching the transaction to
		// read-write (what a read-only transaction would allow) changes
		// nothing.
		_, err := ro.Exec(ctx, "INSERT INTO r VALUES ('no')", nil)
		wantSQLError(t, err, host.ErrDenied, "read-only transaction")
		mustExec(t, ro, "SET default_transaction_read_only = off")
		mustExec(t, ro, "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
		for _, stmt := range []string{"INSERT INTO r VALUES ('no')", "UPDATE r SET v = 'no'", "DELETE FROM r", "CREATE TABLE r2 (a int)", "DROP TABLE r"} {
			if _, err := ro.Exec(ctx, stmt, nil); !errors.Is(err, host.ErrDenied) {
				t.Fatalf("%s with the read role: %v, want denied", stmt, err)
			}
		}
		if got := mustQuery(t, ro, "SELECT v FROM r"); got != `{"columns":["v"],"rows":[["kept"]]}` {
			t.Fatalf("after refused writes: %s", got)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		// The connection (the pool has one) outlives the cancelled query.
		pid := mustQuery(t, rw, "SELECT pg_backend_pid()")
		defer func() {
			if again := mustQuery(t, rw, "SELECT pg_backend_pid()"); again != pid {
				t.Errorf("the connection was replaced after a timeout: %s, then %s", pid, again)
			}
		}()
		start := time.Now()
		_, err := rw.Query(ctx, "SELECT pg_sleep(60)", nil)
		if !errors.Is(err, host.ErrTimeout) || time.Since(start) > 30*time.Second {
			t.Fatalf("pg_sleep(60) with a 2s timeout: %v after %s", err, time.Since(start))
		}
		// The run's stop cancels the query as well.
		stop, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		if _, err := rw.Query(stop, "SELECT pg_sleep(60)", nil); !errors.Is(err, host.ErrTimeout) {
			t.Fatalf("stopped run: %v", err)
		}
		// The server stopped the queries (a cancel request): none is left
		// running for its minute.
		const running = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%' AND state = 'active'"
		for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
			got := mustQuery(t, rw, running)
			if got == `{"columns":["count"],"rows":[[0]]}` {
				break
			}
			if time.Since(start) > 20*time.Second {
				t.Fatalf("queries left running: %s", got)
			}
		}
	})

	t.Run("isolation", func(t *testing.T) {
		testPostgresIsolation(t, srv, rw)
	})
}

// testPostgresIsolation: with one pooled connection, nothing a call
// leaves in its session reaches the next call.
func testPostgresIsolation(t *testing.T, srv *pgtest.Server, rw host.SQL) {
	ctx := context.Background()
	outside, err := pgx.Connect(ctx, srv.OwnerDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer outside.Close(ctx)
	mustExec(t, rw, "CREATE TABLE iso (a int)")
	for _, c := range []struct {
		name, leave, check, want string
	}{
		{"search_path", "SET search_path TO nowhere", "SHOW search_path", `"\"$user\", public"`},
		{"set_config", "SELECT set_config('app.who', 'leaked', false)", "SELECT coalesce(current_setting('app.who', true), '')", `""`},
		{"role settings", "SET statement_timeout = '1ms'", "SHOW statement_timeout", `"0"`},
		{"read-only session", "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", "SHOW default_transaction_read_only", `"off"`},
		{"temporary table", "CREATE TEMP TABLE tmp (a int)", "SELECT to_regclass('pg_temp.tmp') IS NULL", `true`},
		{"prepared statement", "PREPARE p AS SELECT 1", "SELECT count(*) FROM pg_prepared_statements", `0`},
		{"listen", "LISTEN chan", "SELECT count(*) FROM pg_listening_channels()", `0`},
		{"cursor", "DECLARE c CURSOR WITH HOLD FOR SELECT 1", "SELECT count(*) FROM pg_cursors WHERE name = 'c'", `0`},
	} {
		if _, err := rw.Exec(ctx, c.leave, nil); err != nil {
			t.Fatalf("%s: %s: %v", c.name, c.leave, err)
		}
		got := mustQuery(t, rw, c.check)
		if i := strings.Index(got, `"rows":[[`); i < 0 || got[i+len(`"rows":[[`):len(got)-3] != c.want {
			t.Errorf("%s: after %q, %q gives %s, want %s", c.name, c.leave, c.check, got, c.want)
		}
	}
	// An advisory lock taken by one call is released after it.
	mustQuery(t, rw, "SELECT pg_advisory_lock(42)")
	mustQuery(t, rw, "SELECT 1")
	var free bool
	if err := outside.QueryRow(ctx, "SELECT pg_try_advisory_lock(42)").Scan(&free); err != nil || !free {
		t.Errorf("an advisory lock outlived its call: %v %v", free, err)
	}
	// A transaction left open is not the next call's: its insert commits.
	if _, err := rw.Exec(ctx, "BEGIN", nil); err != nil {
		t.Fatal(err)
	}
	mustExec(t, rw, "INSERT INTO iso VALUES (1)")
	var n int
	if err := outside.QueryRow(ctx, "SELECT count(*) FROM iso").Scan(&n); err != nil || n != 1 {
		t.Errorf("a write after a BEGIN left open: %d rows seen from outside, %v", n, err)
	}
}

// TestPostgresSuperuserRefused: a superuser's connection is refused (a
// guest could run programs on the server), the call is unavailable, and
// its error says why without the password.
func TestPostgresSuperuserRefused(t *testing.T) {
	srv := pgtest.Start(t)
	db, err := sqldb.Open(sqldb.Config{Name: "pg", Kind: sqldb.Postgres, DSN: srv.SuperDSN})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rw, _ := db.Access(false)
	_, err = rw.Query(context.Background(), "SELECT 1", nil)
	if !errors.Is(err, host.ErrUnavailable) || !strings.Contains(err.Error(), "is a superuser") {
		t.Fatalf("a superuser's call: %v, want unavailable saying superuser", err)
	}
	if strings.Contains(err.Error(), "pgtest-super-pw") {
		t.Fatalf("the error holds the password: %v", err)
	}
	if _, err := db.Access(true); err == nil || !strings.Contains(err.Error(), "read_dsn") {
		t.Fatalf("a read grant without read_dsn: %v", err)
	}
	// Nor a role that may SET ROLE to a superuser, or run programs.
	super, err := pgx.Connect(context.Background(), srv.SuperDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close(context.Background())
	for _, role := range []string{"postgres", "pg_execute_server_program"} {
		name := "member_of_" + role
		for _, stmt := range []string{"CREATE ROLE " + name + " LOGIN PASSWORD 'pw'", "GRANT " + role + " TO " + name} {
			if _, err := super.Exec(context.Background(), stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		db, err := sqldb.Open(sqldb.Config{Name: "pg", Kind: sqldb.Postgres, DSN: strings.Replace(srv.OwnerDSN, "owner:"+srv.Password, name+":pw", 1)})
		if err != nil {
			t.Fatal(err)
		}
		rw, _ := db.Access(false)
		if _, err = rw.Query(context.Background(), "SELECT 1", nil); !errors.Is(err, host.ErrUnavailable) || !strings.Contains(err.Error(), "superuser") {
			t.Errorf("a member of %s: %v, want unavailable", role, err)
		}
		db.Close()
	}
	// The owner is fine.
	db, err = sqldb.Open(sqldb.Config{Name: "pg", Kind: sqldb.Postgres, DSN: srv.OwnerDSN})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rw, _ = db.Access(false)
	mustQuery(t, rw, "SELECT 1")
}

// BenchmarkPostgres measures a point query through sqldb (the
// connection's DISCARD ALL runs after each call, off its path, but on one
// connection the next call waits for it) and the reset's own round trip.
func BenchmarkPostgres(b *testing.B) {
	srv := pgtest.Start(b)
	for _, pool := range []int{1, 10} {
		rw, _ := openPostgres(b, srv, sqldb.Config{Pool: pool})
		if pool == 1 {
			if _, err := rw.Exec(context.Background(), "CREATE TABLE kv (k int PRIMARY KEY, v text)", nil); err != nil {
				b.Fatal(err)
			}
			if _, err := rw.Exec(context.Background(), "INSERT INTO kv SELECT g, 'v' || g FROM generate_series(1, 1000) g", nil); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("point query/pool %d", pool), func(b *testing.B) {
			for i := range b.N {
				if _, err := rw.Query(context.Background(), "SELECT v FROM kv WHERE k = $1", []any{int64(i%1000 + 1)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	conn, err := pgx.Connect(context.Background(), srv.OwnerDSN)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, stmt := range []string{"SELECT 1", "DISCARD ALL"} {
		b.Run(stmt, func(b *testing.B) {
			for range b.N {
				if err := conn.PgConn().Exec(context.Background(), stmt).Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
