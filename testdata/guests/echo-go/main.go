// Command echo-go is a test guest in standard Go (wasip1): it answers with a
// JSON description of the request it got and of its sandbox.
//
//	/binary       answers bytes 0..255 (body_encoding base64)
//	/status/NNN   answers with status NNN
//	/panic        panics (exit code 2)
//	anything else answers 200 with the description
package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

type request struct {
	Method       string              `json:"method"`
	URI          string              `json:"uri"`
	Headers      map[string][]string `json:"headers"`
	Body         string              `json:"body"`
	BodyEncoding string              `json:"body_encoding"`
	TraceID      string              `json:"trace_id"`
	Host         string              `json:"host"`
	RemoteAddr   string              `json:"remote_addr"`
	Proto        string              `json:"proto"`
}

type response struct {
	Status       int                 `json:"status"`
	Headers      map[string][]string `json:"headers"`
	Body         string              `json:"body"`
	BodyEncoding string              `json:"body_encoding,omitempty"`
}

// description is what the guest saw.
type description struct {
	Request  request  `json:"request"`
	BodyLen  int      `json:"body_len"`
	Env      []string `json:"env"`
	Args     []string `json:"args"`
	FileErr  string   `json:"file_err"`
	Year     int      `json:"year"`
	Random   string   `json:"random"`
	Sleepish bool     `json:"monotonic"`
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "echo-go: bad request:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "echo-go: %s %s\n", req.Method, req.URI)
	resp := response{Status: 200, Headers: map[string][]string{"Content-Type": {"application/json"}}}
	path, _, _ := strings.Cut(req.URI, "?")
	switch {
	case path == "/binary":
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		resp.Headers["Content-Type"] = []string{"application/octet-stream"}
		resp.Body, resp.BodyEncoding = base64.StdEncoding.EncodeToString(b), "base64"
	case strings.HasPrefix(path, "/status/"):
		resp.Status, _ = strconv.Atoi(strings.TrimPrefix(path, "/status/"))
		resp.Body = "status " + strconv.Itoa(resp.Status)
	case path == "/panic":
		panic("echo-go was asked to panic")
	default:
		body := []byte(req.Body)
		if req.BodyEncoding == "base64" {
			body, _ = base64.StdEncoding.DecodeString(req.Body)
		}
		d := description{Request: req, BodyLen: len(body), Env: os.Environ(), Args: os.Args, Year: time.Now().Year()}
		if _, err := os.Open("/etc/passwd"); err != nil {
			d.FileErr = err.Error()
		}
		r := make([]byte, 8)
		_, _ = rand.Read(r)
		d.Random = fmt.Sprintf("%x", r)
		t0 := time.Now()
		time.Sleep(time.Millisecond)
		d.Sleepish = time.Since(t0) >= time.Millisecond
		out, _ := json.Marshal(d)
		resp.Body = string(out)
	}
	_ = json.NewEncoder(os.Stdout).Encode(resp)
}
