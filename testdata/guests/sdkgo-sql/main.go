// Command sdkgo-sql is a test guest on the Go SDK (its own module): a
// handler on database/sql through the driver "gojinn", over the database
// named by $SQL_DB (default "main"). Routes:
//
//	POST /exec     runs the request body as a statement: {"rows_affected": n, "last_insert_id": id}
//	POST /items    inserts {"name", "price", "qty", "active", "data" (base64), "added" (RFC 3339)}
//	               with typed parameters: {"id": id}
//	GET  /items    every item, scanned into typed Go values, and the Go
//	               type of each value scanned into an any
//	POST /tx       begins a transaction (which the driver refuses)
//	GET  /bench    a point query by id (?id=) with database/sql's QueryRow,
//	               then ?n= more, n more on a cancellable context, then n
//	               with gojinn.SQL's Query: the time of the first and of
//	               each other, in the guest:
//	               {"first_ns", "database_sql_ns", "cancellable_ns", "sdk_ns"}
//
// A failure answers the status of the SDK's sentinel error it wraps (409
// conflict, 403 denied, 400 invalid, 413 too_large, 501 unsupported, else
// 502), the error's text as the body and, when the database gave one, its
// message in X-SQL-Message.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/gojinn/gojinn/sdk-go/gojinn"
	_ "github.com/gojinn/gojinn/sdk-go/sqldriver"
)

type item struct {
	ID     int64          `json:"id"`
	Name   string         `json:"name"`
	Price  float64        `json:"price"`
	Qty    int            `json:"qty"`
	Active bool           `json:"active"`
	Data   []byte         `json:"data"`
	Added  time.Time      `json:"added"`
	Note   sql.NullString `json:"note"`
}

func main() {
	dbName := os.Getenv("SQL_DB")
	if dbName == "" {
		dbName = "main"
	}
	db, err := sql.Open("gojinn", dbName)
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /exec", func(w http.ResponseWriter, r *http.Request) {
		text, _ := io.ReadAll(r.Body)
		res, err := db.ExecContext(r.Context(), string(text))
		if err != nil {
			fail(w, err)
			return
		}
		n, _ := res.RowsAffected()
		id, _ := res.LastInsertId()
		writeJSON(w, map[string]int64{"rows_affected": n, "last_insert_id": id})
	})
	mux.HandleFunc("POST /items", func(w http.ResponseWriter, r *http.Request) {
		var it item
		if err := json.NewDecoder(r.Body).Decode(&it); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		res, err := db.ExecContext(r.Context(), "INSERT INTO items (name, price, qty, active, data, added) VALUES (?, ?, ?, ?, ?, ?)",
			it.Name, it.Price, it.Qty, it.Active, it.Data, it.Added)
		if err != nil {
			fail(w, err)
			return
		}
		id, _ := res.LastInsertId()
		writeJSON(w, map[string]int64{"id": id})
	})
	mux.HandleFunc("GET /items", func(w http.ResponseWriter, r *http.Request) {
		const query = "SELECT id, name, price, qty, active, data, added, note FROM items ORDER BY id"
		rows, err := db.QueryContext(r.Context(), query)
		if err != nil {
			fail(w, err)
			return
		}
		items := []item{}
		for rows.Next() {
			var it item
			if err := rows.Scan(&it.ID, &it.Name, &it.Price, &it.Qty, &it.Active, &it.Data, &it.Added, &it.Note); err != nil {
				fail(w, err)
				return
			}
			items = append(items, it)
		}
		if err := rows.Err(); err != nil {
			fail(w, err)
			return
		}
		// The same rows into any: the Go types the driver hands database/sql.
		rows, err = db.QueryContext(r.Context(), query)
		if err != nil {
			fail(w, err)
			return
		}
		defer rows.Close()
		types := [][]string{}
		for rows.Next() {
			vals := make([]any, 8)
			ptrs := make([]any, len(vals))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				fail(w, err)
				return
			}
			var ts []string
			for _, v := range vals {
				ts = append(ts, fmt.Sprintf("%T", v))
			}
			types = append(types, ts)
		}
		writeJSON(w, map[string]any{"items": items, "types": types})
	})
	mux.HandleFunc("GET /bench", func(w http.ResponseWriter, r *http.Request) {
		const query = "SELECT name FROM items WHERE id = ?"
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		id, _ := strconv.Atoi(r.URL.Query().Get("id"))
		var name string
		start := time.Now()
		if err := db.QueryRowContext(r.Context(), query, id).Scan(&name); err != nil {
			fail(w, err)
			return
		}
		first := time.Since(start)
		start = time.Now()
		for range n {
			if err := db.QueryRowContext(r.Context(), query, id).Scan(&name); err != nil {
				fail(w, err)
				return
			}
		}
		viaDatabaseSQL := time.Since(start)
		cancellable, cancel := context.WithCancel(r.Context())
		defer cancel()
		start = time.Now()
		for range n {
			if err := db.QueryRowContext(cancellable, query, id).Scan(&name); err != nil {
				fail(w, err)
				return
			}
		}
		withCancel := time.Since(start)
		raw := gojinn.SQL(dbName)
		start = time.Now()
		for range n {
			if _, err := raw.Query(r.Context(), query, id); err != nil {
				fail(w, err)
				return
			}
		}
		viaSDK := time.Since(start)
		writeJSON(w, map[string]int64{
			"first_ns":        first.Nanoseconds(),
			"database_sql_ns": viaDatabaseSQL.Nanoseconds() / int64(max(n, 1)),
			"cancellable_ns":  withCancel.Nanoseconds() / int64(max(n, 1)),
			"sdk_ns":          viaSDK.Nanoseconds() / int64(max(n, 1)),
		})
	})
	mux.HandleFunc("POST /tx", func(w http.ResponseWriter, r *http.Request) {
		if _, err := db.BeginTx(r.Context(), nil); err != nil {
			fail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	gojinn.ServeHTTP(mux)
}

func fail(w http.ResponseWriter, err error) {
	status := http.StatusBadGateway
	for sentinel, s := range map[error]int{
		gojinn.ErrConflict: http.StatusConflict, gojinn.ErrDenied: http.StatusForbidden, gojinn.ErrInvalid: http.StatusBadRequest,
		gojinn.ErrTooLarge: http.StatusRequestEntityTooLarge, errors.ErrUnsupported: http.StatusNotImplemented,
	} {
		if errors.Is(err, sentinel) {
			status = s
		}
	}
	var sqlErr *gojinn.SQLError
	if errors.As(err, &sqlErr) {
		w.Header().Set("X-SQL-Message", sqlErr.Message)
	}
	http.Error(w, err.Error(), status)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the response is in memory
}
