// Command notes-go is a Gojinn handler in standard Go on database/sql: a
// tiny notes API over the SQLite database "notes" through the Go SDK's
// driver (docs/sdk-go.md), mounted with handle_path (paths below are
// relative to the mount point).
//
//	POST /   adds a note from {"text": "..."}: 201 with the note
//	         ({"id": 1, "text": "...", "created": "<RFC 3339>"}), 400
//	         without text, 409 when the same text is already a note
//	GET  /   the notes, oldest first: {"notes": [...]}
//
// The table is created on first use. The database must be declared in the
// gojinn global option and granted in the handler's block:
//
//	{
//		gojinn {
//			database notes sqlite notes.db
//		}
//	}
//	handle_path /notes-go/* {
//		gojinn examples/notes-go/build/handler.wasm {
//			sql notes
//			pool_size 4
//		}
//	}
//
// Build: GOOS=wasip1 GOARCH=wasm go build -o build/handler.wasm .
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gojinn/gojinn/sdk-go/gojinn"
	_ "github.com/gojinn/gojinn/sdk-go/sqldriver"
)

// schema is the notes table; created is RFC 3339 text, which the driver
// writes for a time.Time and reads back as one.
const schema = `CREATE TABLE IF NOT EXISTS notes (
	id      INTEGER PRIMARY KEY,
	text    TEXT NOT NULL UNIQUE,
	created TEXT NOT NULL
)`

// note is a row of the table, as the API writes it.
type note struct {
	ID      int64     `json:"id"`
	Text    string    `json:"text"`
	Created time.Time `json:"created"`
}

func main() {
	db, err := sql.Open("gojinn", "notes") // no host call: safe before the request
	if err != nil {
		panic(err)
	}
	gojinn.ServeHTTP(newRouter(db))
}

func newRouter(db *sql.DB) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{$}", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Text string `json:"text"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || strings.TrimSpace(in.Text) == "" {
			http.Error(w, `want {"text": "..."} with some text`, http.StatusBadRequest)
			return
		}
		n := note{Text: in.Text, Created: time.Now().UTC().Truncate(time.Millisecond)}
		if err := createTable(r.Context(), db); err != nil {
			fail(w, err)
			return
		}
		res, err := db.ExecContext(r.Context(), "INSERT INTO notes (text, created) VALUES (?, ?)", n.Text, n.Created)
		if err == nil {
			n.ID, err = res.LastInsertId()
		}
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, http.StatusCreated, n)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		notes, err := list(r.Context(), db)
		if err != nil {
			fail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string][]note{"notes": notes})
	})
	return mux
}

// createTable creates the table if it is missing: each request is a
// fresh instance, so it runs once per request, one host call.
func createTable(ctx context.Context, db *sql.DB) error {
	_, err := db.ExecContext(ctx, schema)
	return err
}

// list reads every note, oldest first.
func list(ctx context.Context, db *sql.DB) ([]note, error) {
	if err := createTable(ctx, db); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, "SELECT id, text, created FROM notes ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	notes := []note{}
	for rows.Next() {
		var n note
		if err := rows.Scan(&n.ID, &n.Text, &n.Created); err != nil {
			return nil, err
		}
		notes = append(notes, n)
	}
	return notes, rows.Err()
}

// fail answers a database error with its status: the error's text says
// what failed, with the database's message when it gave one.
func fail(w http.ResponseWriter, err error) {
	status := http.StatusServiceUnavailable
	switch {
	case errors.Is(err, gojinn.ErrConflict):
		status = http.StatusConflict
	case errors.Is(err, gojinn.ErrDenied):
		status = http.StatusForbidden
	case errors.Is(err, gojinn.ErrInvalid), errors.Is(err, gojinn.ErrIO):
		status = http.StatusInternalServerError
	}
	http.Error(w, err.Error(), status)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the response is in memory
}
