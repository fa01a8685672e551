package sandbox_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/gojinn/gojinn/internal/testguest"
	"github.com/gojinn/gojinn/sandbox"
)

// The SDK reads the request with hand-written pointer code
// (sdk-ts/assembly/jsonread.ts, wire.ts, utf8.ts). These tests give the
// contract handler's /echo (contract/handler) requests written in every way
// JSON allows, and malformed ones, and hold what it read to what
// encoding/json reads from the same bytes.

// echoGuest runs the contract handler on raw stdin bytes, with wazero alone
// (the host only ever writes well-formed requests).
type echoGuest struct {
	rt  wazero.Runtime
	mod wazero.CompiledModule
}

func newEchoGuest(tb testing.TB) *echoGuest {
	tb.Helper()
	wasm, err := os.ReadFile(filepath.Join(testguest.Root(), "contract", "handler", "build", "handler.wasm"))
	if err != nil {
		tb.Fatalf("the contract handler is not built (run `make examples`): %v", err)
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCloseOnContextDone(true).WithMemoryLimitPages(1024))
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	mod, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { rt.Close(ctx) })
	return &echoGuest{rt: rt, mod: mod}
}

// run gives stdin to one fresh instance and returns its stdout, or the
// error it ended with (a trap, a non-zero exit).
func (g *echoGuest) run(tb testing.TB, stdin []byte) ([]byte, error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stdout bytes.Buffer
	mc := wazero.NewModuleConfig().WithName("").WithArgs("handler.wasm").
		WithStdin(bytes.NewReader(stdin)).WithStdout(&stdout).WithStderr(io.Discard)
	mod, err := g.rt.InstantiateModule(ctx, g.mod, mc)
	if ctx.Err() != nil {
		tb.Fatalf("the guest ran for 20 s on %q", stdin)
	}
	if mod != nil {
		mod.Close(ctx)
	}
	return stdout.Bytes(), err
}

// wireRequest is the request as encoding/json reads it (readWire).
type wireRequest struct {
	Method, URI, Body, BodyEncoding string
	Headers                         map[string][]string
}

// readWire reads stdin as encoding/json does, but with the contract's exact
// member names (encoding/json would match "heAders" to Headers); ok is
// false when stdin is not JSON or a member has the wrong type.
func readWire(stdin []byte) (w wireRequest, ok bool) {
	var top map[string]json.RawMessage
	if json.Unmarshal(stdin, &top) != nil {
		return w, false
	}
	var ignored string
	fields := map[string]any{
		"method": &w.Method, "uri": &w.URI, "headers": &w.Headers, "body": &w.Body, "body_encoding": &w.BodyEncoding,
		"trace_id": &ignored, "host": &ignored, "remote_addr": &ignored, "proto": &ignored,
	}
	for name, dst := range fields {
		if raw, given := top[name]; given && json.Unmarshal(raw, dst) != nil {
			return w, false
		}
	}
	return w, true
}

// echo is what /echo answers (contract/README.md).
type echo struct {
	Method     string              `json:"method"`
	URI        string              `json:"uri"`
	Headers    map[string][]string `json:"headers"`
	Body       string              `json:"body"`
	BodyBase64 string              `json:"body_base64"`
	BodyLength int                 `json:"body_length"`
}

// checkEcho runs stdin through the guest, which must end within 20 s
// whatever stdin is. When encoding/json finds stdin a valid request, the
// guest must echo exactly it; when stdin is not JSON, the guest must fail
// (trap or exit non-zero) or answer an error, never echo. What it makes of
// invalid UTF-8 or a repeated name (neither of which the host writes) is
// not checked.
// It returns what it checked: "echoed", "refused" or "ran".
func (g *echoGuest) checkEcho(t *testing.T, stdin []byte) string {
	t.Helper()
	out, runErr := g.run(t, stdin)
	if !utf8.Valid(stdin) || !noDuplicateKeys(stdin) {
		return "ran"
	}
	want, valid := readWire(stdin)
	var resp *sandbox.Response
	var decErr error
	if runErr == nil {
		resp, decErr = sandbox.DecodeResponse(out)
	}
	if !valid {
		if runErr == nil && decErr == nil && resp.Status == 200 {
			t.Fatalf("the guest read invalid stdin %q as a request: %s", stdin, resp.Body)
		}
		return "refused"
	}
	if path, _, _ := strings.Cut(want.URI, "?"); path != "/echo" {
		return "ran" // a mutation changed the path: the handler's 404
	}
	if runErr != nil || decErr != nil || resp.Status != 200 {
		t.Fatalf("stdin %q: run %v, output %v, %q", stdin, runErr, decErr, out)
	}
	var got echo
	if err := json.Unmarshal(resp.Body, &got); err != nil {
		t.Fatalf("stdin %q: the echo is not JSON: %v: %q", stdin, err, resp.Body)
	}
	body := []byte(want.Body)
	if want.BodyEncoding == "base64" {
		var err error
		if body, err = base64.StdEncoding.DecodeString(want.Body); err != nil {
			return "ran" // the SDK's base64 decoding is not under test here
		}
	}
	wantText := want.Body
	if want.BodyEncoding == "base64" {
		wantText = ""
	}
	if got.Method != want.Method || got.URI != want.URI || got.Body != wantText ||
		got.BodyBase64 != base64.StdEncoding.EncodeToString(body) || got.BodyLength != len(body) {
		t.Fatalf("stdin %q\n read %+v\n want %+v (body %q)", stdin, got, want, body)
	}
	if !maps.EqualFunc(got.Headers, want.Headers, slices.Equal[[]string]) && (len(got.Headers) > 0 || len(want.Headers) > 0) {
		t.Fatalf("stdin %q\n headers read %q\n want %q", stdin, got.Headers, want.Headers)
	}
	return "echoed"
}

// noDuplicateKeys tells whether no object in the JSON text data repeats a
// name (encoding/json would keep the last; the contract has no duplicates).
func noDuplicateKeys(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		obj  bool
		keys map[string]bool
		key  bool // the next string is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return true
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		isKey := top != nil && top.obj && top.key
		if top != nil && top.obj {
			top.key = !top.key
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, &frame{obj: true, keys: map[string]bool{}, key: true})
			case '[':
				stack = append(stack, &frame{})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].obj {
					stack[len(stack)-1].key = true
				}
			}
		case string:
			if isKey {
				if top.keys[v] {
					return false
				}
				top.keys[v] = true
			}
		}
	}
}

// TestRequestReaderReadsWhatJSONSays: generated requests (any characters in
// every string, binary and text bodies), each written by the host's
// encoder and in other ways JSON allows (escapes for any character,
// surrogate pairs and lone surrogates, white space, member order, unknown
// members), and malformed versions of them (truncated, a byte changed).
func TestRequestReaderReadsWhatJSONSays(t *testing.T) {
	g := newEchoGuest(t)
	r := rand.New(rand.NewPCG(9, 7))
	n := 1500
	if testing.Short() {
		n = 100
	}
	checked := map[string]int{}
	for i := range n {
		req := genRequest(r)
		host := req.AppendJSON(nil)
		for j, stdin := range [][]byte{host, writeRequest(r, req), mutateRequest(r, host), mutateRequest(r, writeRequest(r, req))} {
			t.Run(fmt.Sprintf("%d/%d", i, j), func(t *testing.T) { checked[g.checkEcho(t, stdin)]++ })
		}
	}
	// Every well-formed request was echoed, and many malformed ones refused.
	if checked["echoed"] < 2*n || checked["refused"] < n/2 {
		t.Fatalf("checked %v of %d requests", checked, n)
	}
	t.Logf("%d requests: %v", n, checked)
}

// FuzzRequestReader: any stdin; see checkEcho.
func FuzzRequestReader(f *testing.F) {
	g := newEchoGuest(f)
	// Member names are exact: this "heAders" is an unknown member.
	f.Add([]byte(`{"method":"GET","uri":"/echo","heAders":{"a":[]}}`))
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		req := genRequest(r)
		f.Add(req.AppendJSON(nil))
		f.Add(writeRequest(r, req))
	}
	f.Fuzz(func(t *testing.T, stdin []byte) { g.checkEcho(t, stdin) })
}

// runes are the characters strings are made of: ASCII, control characters,
// two- three- and four-byte UTF-8, the replacement character, separators.
var runes = []rune{'a', 'Z', '0', ' ', '"', '\\', '/', '?', '&', '=', '%', '+', '\x00', '\x01', '\t', '\n', '\r', '\x1f', '\x7f', 'é', 'ÿ', '\u0100', '日', '\u2028', '\ufeff', '\ufffd', '😀', '\U0010ffff'}

func genString(r *rand.Rand, maxLen int) string {
	var sb strings.Builder
	for range r.IntN(maxLen + 1) {
		sb.WriteRune(runes[r.IntN(len(runes))])
	}
	return sb.String()
}

func genRequest(r *rand.Rand) *sandbox.Request {
	req := &sandbox.Request{
		Method:  []string{"GET", "POST", "DELETE", "PATCH", genString(r, 6)}[r.IntN(5)],
		URI:     "/echo",
		TraceID: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Host: genString(r, 4),
		RemoteAddr: "127.0.0.1:40000", Proto: "HTTP/1.1",
	}
	if r.IntN(2) == 0 {
		req.URI += "?" + genString(r, 12)
	}
	if r.IntN(4) > 0 {
		req.Headers = map[string][]string{}
		for range r.IntN(5) {
			values := make([]string, r.IntN(4))
			for i := range values {
				values[i] = genString(r, 10)
			}
			req.Headers[genString(r, 8)] = values
		}
	}
	switch r.IntN(3) {
	case 0:
		req.Body = []byte(genString(r, 40))
	case 1:
		req.Body = make([]byte, r.IntN(40))
		for i := range req.Body {
			req.Body[i] = byte(r.IntN(256))
		}
	}
	return req
}

// writeRequest writes req as JSON another way than the host: members in a
// random order with unknown ones among them, white space between tokens,
// characters escaped at random, sometimes a lone surrogate escape (which
// reads as U+FFFD).
func writeRequest(r *rand.Rand, req *sandbox.Request) []byte {
	ws := func(b []byte) []byte { return append(b, []string{"", "", " ", "\n", "\t", "\r\n "}[r.IntN(6)]...) }
	var members [][]byte
	add := func(name string, value []byte) {
		m := ws(writeString(r, nil, name, false))
		m = ws(append(m, ':'))
		members = append(members, append(m, value...))
	}
	add("method", writeString(r, nil, req.Method, true))
	add("uri", writeString(r, nil, req.URI, false))
	if req.Headers != nil || r.IntN(2) == 0 {
		h := []byte{'{'}
		names := slices.Sorted(maps.Keys(req.Headers))
		for i, name := range names {
			if i > 0 {
				h = append(h, ',')
			}
			h = ws(append(ws(writeString(r, ws(h), name, true)), ':'))
			h = append(h, '[')
			for j, v := range req.Headers[name] {
				if j > 0 {
					h = ws(append(h, ','))
				}
				h = writeString(r, ws(h), v, true)
			}
			h = append(ws(h), ']')
		}
		add("headers", ws(append(h, '}')))
	}
	if utf8.Valid(req.Body) {
		add("body", writeString(r, nil, string(req.Body), true))
	} else {
		add("body", writeString(r, nil, base64.StdEncoding.EncodeToString(req.Body), false))
		add("body_encoding", writeString(r, nil, "base64", false))
	}
	add("trace_id", writeString(r, nil, req.TraceID, false))
	add("host", writeString(r, nil, req.Host, true))
	for i := range r.IntN(3) {
		add(fmt.Sprintf("x_%d%s", i, genString(r, 3)), []byte([]string{`null`, `[1,{"a":[true,false]},-2.5e3]`, `{"method":"PUT"}`, `"\ud800"`, `0`}[r.IntN(5)]))
	}
	r.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
	b := ws([]byte{'{'})
	for i, m := range members {
		if i > 0 {
			b = ws(append(b, ','))
		}
		b = append(ws(b), m...)
	}
	return ws(append(ws(b), '}'))
}

// writeString appends s as a JSON string, each character raw or escaped at
// random; when lone, one time in twenty a lone surrogate escape is added.
func writeString(r *rand.Rand, b []byte, s string, lone bool) []byte {
	b = append(b, '"')
	for _, c := range s {
		if lone && r.IntN(20) == 0 {
			b = fmt.Appendf(b, `\u%04x`, 0xd800+r.IntN(0x800))
		}
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', byte(c))
		case c < 0x20 || r.IntN(4) == 0:
			if short := map[rune]string{'\b': `\b`, '\f': `\f`, '\n': `\n`, '\r': `\r`, '\t': `\t`, '/': `\/`}[c]; short != "" && r.IntN(2) == 0 {
				b = append(b, short...)
			} else if c >= 0x10000 {
				hi, lo := 0xd800+(c-0x10000)>>10, 0xdc00+(c-0x10000)&0x3ff
				b = fmt.Appendf(b, `\u%04X\u%04x`, hi, lo)
			} else {
				b = fmt.Appendf(b, `\u%04x`, c)
			}
		default:
			b = utf8.AppendRune(b, c)
		}
	}
	return append(b, '"')
}

// mutateRequest truncates stdin, or changes, inserts or deletes a byte.
func mutateRequest(r *rand.Rand, b []byte) []byte {
	b = bytes.Clone(b)
	i := r.IntN(len(b))
	switch r.IntN(4) {
	case 0:
		return b[:i]
	case 1:
		b[i] = (`{}[]",:\ 0enu` + "\x00\xff")[r.IntN(15)]
	case 2:
		return slices.Insert(b, i, `{}[]",:\ 0enu`[r.IntN(13)])
	default:
		return slices.Delete(b, i, i+1)
	}
	return b
}
