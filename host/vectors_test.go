package host_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/internal/testguest"
)

// A vector (contract/host/*.json, format in contract/README.md) is a
// sequence of host calls in one run, with the run's grants, the stores'
// contents and the fetcher's replies, and what each call must return.
type vector struct {
	Name   string                       `json:"name"`
	Grants vectorGrants                 `json:"grants"`
	KV     map[string]map[string]string `json:"kv"`
	Fetch  []fetchReply                 `json:"fetch"`
	Full   []string                     `json:"full_queues"`
	AI     []aiReply                    `json:"ai"`
	// Objects are the object stores' contents before the run, MaxObject
	// their max_object (0: 10 MiB), ObjectErrors the stores whose every
	// call fails with the backend error named.
	Objects      map[string]map[string]objectSpec `json:"objects"`
	MaxObject    int                              `json:"max_object"`
	ObjectErrors map[string]string                `json:"object_errors"`
	// Databases are SQLite databases, by name, made for the run.
	Databases map[string]vectorDatabase `json:"databases"`
	Calls     []vectorCall              `json:"calls"`
	After     vectorAfter               `json:"after"`
}

type vectorGrants struct {
	KV            map[string]string `json:"kv"` // store: "read" or "read-write"
	Fetch         bool              `json:"fetch"`
	MaxFetchCalls int               `json:"max_fetch_calls"`
	MaxValue      int               `json:"max_value"`
	Enqueue       []string          `json:"enqueue"`
	MaxJobSize    int               `json:"max_job_size"`
	AI            bool              `json:"ai"`
	// Objects maps an object store to its grant: access "read" or
	// "read-write", and a prefix.
	Objects map[string]struct {
		Access string `json:"access"`
		Prefix string `json:"prefix"`
	} `json:"objects"`
	// SQL maps a database to its grant: "read" or "read-write".
	SQL map[string]string `json:"sql"`
}

type vectorCall struct {
	Fn     string     `json:"fn"`
	Level  int32      `json:"level"`
	Msg    *byteSpec  `json:"msg"`
	Store  *byteSpec  `json:"store"`
	Key    *byteSpec  `json:"key"`
	Value  *byteSpec  `json:"value"`
	Prefix *byteSpec  `json:"prefix"`
	After  *byteSpec  `json:"after"`
	Req    *byteSpec  `json:"request"`
	Body   *byteSpec  `json:"body"`
	Queue  *byteSpec  `json:"queue"`
	BufCap uint32     `json:"buf_cap"`
	TTL    int32      `json:"ttl"`
	Rev    uint64     `json:"rev"`
	By     decimalI64 `json:"by"`
	Handle uint32     `json:"handle"`
	OOB    []string   `json:"oob"`
	Expect expect     `json:"expect"`
}

type expect struct {
	Status  string      `json:"status"`
	Len     *uint32     `json:"len"`
	Value   *byteSpec   `json:"value"`
	Rev     *uint64     `json:"rev"`
	Number  *decimalI64 `json:"number"`
	Keys    []string    `json:"keys"`
	More    *bool       `json:"more"`
	Handle  *uint32     `json:"handle"`
	HeadLen *uint32     `json:"head_len"`
	BodyLen *uint32     `json:"body_len"`
	// ai_chat's four u32 at out are handle, text_len, prompt_tokens and
	// completion_tokens.
	TextLen          *uint32 `json:"text_len"`
	PromptTokens     *uint32 `json:"prompt_tokens"`
	CompletionTokens *uint32 `json:"completion_tokens"`
	// sql_query's and sql_exec's two u32 at out are handle and size.
	Size *uint32 `json:"size"`
}

type vectorAfter struct {
	KV     map[string]map[string]string `json:"kv"`
	TTLs   map[string]int               `json:"ttls"`
	Sent   []sentRequest                `json:"sent"`
	Logs   []logLine                    `json:"logs"`
	Denied *int                         `json:"denied"`
	Jobs   []job                        `json:"enqueued"`
	Chats  []host.ChatRequest           `json:"chats"`
	// Objects is every non-empty object store's contents.
	Objects map[string]map[string]objectSpec `json:"objects"`
	// Queries are run on the databases after the run.
	Queries []vectorQuery `json:"queries"`
}

type sentRequest struct {
	Method  string      `json:"method"`
	URL     string      `json:"url"`
	Headers http.Header `json:"headers"`
	Body    string      `json:"body"`
}

type logLine struct {
	Level int32  `json:"level"`
	Msg   string `json:"msg"`
}

// byteSpec is bytes written as a JSON string (UTF-8), {"hex": "ff00"},
// or {"repeat": "x", "count": 1025}.
type byteSpec []byte

func (b *byteSpec) UnmarshalJSON(data []byte) error {
	var s string
	if json.Unmarshal(data, &s) == nil {
		*b = []byte(s)
		return nil
	}
	var o struct {
		Hex    *string `json:"hex"`
		Repeat string  `json:"repeat"`
		Count  int     `json:"count"`
	}
	if err := json.Unmarshal(data, &o); err != nil {
		return err
	}
	if o.Hex != nil {
		v, err := hex.DecodeString(*o.Hex)
		*b = v
		return err
	}
	*b = bytes.Repeat([]byte(o.Repeat), o.Count)
	return nil
}

// decimalI64 is an i64 written as a JSON string, which JavaScript's
// numbers cannot always hold.
type decimalI64 int64

func (d *decimalI64) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("an i64 is a decimal string: %w", err)
	}
	v, err := strconv.ParseInt(s, 10, 64)
	*d = decimalI64(v)
	return err
}

// The driver's memory for the arguments of one call. Values and buffers
// sit in memory grown past the driver's own, so that they may be large.
const (
	addrStore    = 0x10000
	addrKey      = 0x11000 // up to 0x1000 bytes, as store, prefix, after, msg
	addrPrefix   = 0x12000
	addrAfter    = 0x13000
	addrMsg      = 0x14000
	addrLenOut   = 0x15000
	addrRevOut   = 0x15010
	addrValueOut = 0x15020
	addrOut      = 0x15030 // fetch's 12 bytes, ai_chat's 16
	addrReq      = 0x20000 // up to 0x40000
	addrBody     = 0x60000 // up to 0x40000
	addrValue    = 0x300000
	addrBuf      = 0x600000
	grownPages   = 160  // 0x300000 + 160 pages = 0xD00000: value and buffer up to 3 MiB
	outsSize     = 0x40 // len_out, rev_out, value_out, out: dumped after each call
	maxDump      = 0x10000
	oob          = 0xFFFFFFF0 // a pointer out of any memory
	sentinel     = 0xAA       // what buffers and outs hold before a call
)

// newProgram is a program whose memory is grown for encode's layout.
func newProgram() *program {
	p := &program{}
	p.grow(grownPages)
	return p
}

// encode adds c to p (from newProgram): its arguments written, the outs and the buffer
// filled with the sentinel, the call, then the outs and the buffer dumped.
func (c *vectorCall) encode(p *program) error {
	ptr := func(name string, addr uint32) uint64 {
		if slices.Contains(c.OOB, name) {
			return oob
		}
		return uint64(addr)
	}
	arg := func(name string, addr uint32, b *byteSpec) []uint64 {
		var v []byte
		if b != nil {
			v = *b
		}
		if len(v) > 64 && bytes.Count(v, v[:1]) == len(v) {
			p.fill(addr, uint32(len(v)), v[0]) // a large repeat: the program stays small
		} else {
			p.write(addr, v)
		}
		return []uint64{ptr(name, addr), uint64(len(v))}
	}
	p.fill(addrLenOut, outsSize, sentinel)
	dump := min(c.BufCap, maxDump)
	p.fill(addrBuf, dump, sentinel)
	buf := []uint64{ptr("buf", addrBuf), uint64(c.BufCap), ptr("len_out", addrLenOut)}
	var args []uint64
	switch c.Fn {
	case "host_log":
		args = append([]uint64{uint64(uint32(c.Level))}, arg("msg", addrMsg, c.Msg)...)
	case "kv_get":
		args = slices.Concat(arg("store", addrStore, c.Store), arg("key", addrKey, c.Key), buf, []uint64{ptr("rev_out", addrRevOut)})
	case "kv_set", "kv_create":
		args = slices.Concat(arg("store", addrStore, c.Store), arg("key", addrKey, c.Key), arg("value", addrValue, c.Value),
			[]uint64{uint64(uint32(c.TTL)), ptr("rev_out", addrRevOut)})
	case "kv_update":
		args = slices.Concat(arg("store", addrStore, c.Store), arg("key", addrKey, c.Key), arg("value", addrValue, c.Value),
			[]uint64{c.Rev, ptr("rev_out", addrRevOut)})
	case "kv_delete":
		args = slices.Concat(arg("store", addrStore, c.Store), arg("key", addrKey, c.Key))
	case "kv_increment":
		args = slices.Concat(arg("store", addrStore, c.Store), arg("key", addrKey, c.Key), []uint64{uint64(c.By), ptr("value_out", addrValueOut)})
	case "kv_keys":
		args = slices.Concat(arg("store", addrStore, c.Store), arg("prefix", addrPrefix, c.Prefix), arg("after", addrAfter, c.After), buf)
	case "fetch":
		args = slices.Concat(arg("request", addrReq, c.Req), arg("body", addrBody, c.Body), []uint64{ptr("out", addrOut)})
	case "fetch_head", "fetch_body":
		args = append([]uint64{uint64(c.Handle)}, buf...)
	case "fetch_close":
		args = []uint64{uint64(c.Handle)}
	case "enqueue":
		args = slices.Concat(arg("queue", addrStore, c.Queue), arg("body", addrValue, c.Body), buf)
	case "ai_chat", "object_get", "object_head", "object_list", "sql_query", "sql_exec":
		args = append(arg("request", addrReq, c.Req), ptr("out", addrOut))
	case "object_put":
		args = slices.Concat(arg("request", addrReq, c.Req), arg("body", addrBody, c.Body))
	case "object_delete":
		args = arg("request", addrReq, c.Req)
	default:
		return fmt.Errorf("unknown function %q", c.Fn)
	}
	p.call(c.Fn, args...)
	p.dump(addrLenOut, outsSize)
	p.dump(addrBuf, dump)
	return nil
}

// check compares the call's outputs (status, outs, buffer) with c.Expect.
func (c *vectorCall) check(status, outs, buf []byte) error {
	st := host.Status(binary.LittleEndian.Uint32(status))
	if c.Fn == "host_log" {
		return nil // no status
	}
	if st.String() != c.Expect.Status {
		return fmt.Errorf("status %s (%d), want %s", st, st, c.Expect.Status)
	}
	lenOut := binary.LittleEndian.Uint32(outs[addrLenOut-addrLenOut:])
	revOut := binary.LittleEndian.Uint64(outs[addrRevOut-addrLenOut:])
	valueOut := int64(binary.LittleEndian.Uint64(outs[addrValueOut-addrLenOut:]))
	e := c.Expect
	if e.Len != nil && lenOut != *e.Len {
		return fmt.Errorf("len_out %d, want %d", lenOut, *e.Len)
	}
	untouched := bytes.Repeat([]byte{sentinel}, len(buf))
	if st != host.StatusOK && !bytes.Equal(buf, untouched) {
		return fmt.Errorf("status %s, but the buffer was written", st)
	}
	if st != host.StatusOK && !untouchedOuts(c.Fn, outs) {
		return fmt.Errorf("status %s, but an out-parameter was written: % x", st, outs)
	}
	if e.Value != nil && (lenOut > uint32(len(buf)) || !bytes.Equal(buf[:lenOut], *e.Value)) {
		return fmt.Errorf("buffer %q, want %q", buf[:min(lenOut, uint32(len(buf)))], *e.Value)
	}
	if e.Rev != nil && revOut != *e.Rev {
		return fmt.Errorf("rev_out %d, want %d", revOut, *e.Rev)
	}
	if e.Number != nil && valueOut != int64(*e.Number) {
		return fmt.Errorf("value_out %d, want %d", valueOut, *e.Number)
	}
	if e.Keys != nil || e.More != nil {
		keys, more, err := decodePage(buf[:min(lenOut, uint32(len(buf)))])
		if err != nil {
			return err
		}
		if e.Keys != nil && !slices.Equal(keys, e.Keys) {
			return fmt.Errorf("keys %q, want %q", keys, e.Keys)
		}
		if e.More != nil && more != *e.More {
			return fmt.Errorf("more %v, want %v", more, *e.More)
		}
	}
	for _, f := range []struct {
		name string
		want *uint32
		at   int
	}{
		{"handle", e.Handle, 0},
		{"head_len", e.HeadLen, 4},
		{"body_len", e.BodyLen, 8},
		{"text_len", e.TextLen, 4},
		{"prompt_tokens", e.PromptTokens, 8},
		{"completion_tokens", e.CompletionTokens, 12},
		{"size", e.Size, 4},
	} {
		if got := binary.LittleEndian.Uint32(outs[addrOut-addrLenOut+f.at:]); f.want != nil && got != *f.want {
			return fmt.Errorf("%s %d, want %d", f.name, got, *f.want)
		}
	}
	return nil
}

// decodePage decodes a kv_keys page.
func decodePage(b []byte) (keys []string, more bool, err error) {
	u32 := func() uint32 {
		if len(b) < 4 {
			err = fmt.Errorf("page too short")
			return 0
		}
		v := binary.LittleEndian.Uint32(b)
		b = b[4:]
		return v
	}
	n := u32()
	for range n {
		l := u32()
		if err != nil || uint32(len(b)) < l {
			return nil, false, fmt.Errorf("page too short")
		}
		keys = append(keys, string(b[:l]))
		b = b[l:]
	}
	more = u32() == 1
	if err == nil && len(b) != 0 {
		err = fmt.Errorf("%d bytes after the page", len(b))
	}
	return keys, more, err
}

// runVector runs v in one run of the driver (with a Run in the context
// unless noRun) and checks every call and the state after.
func runVector(t *testing.T, v *vector, noRun bool) {
	t.Helper()
	kv := newMemoryKV()
	for store, contents := range v.KV {
		kv.load(store, contents)
	}
	fetcher := &scriptedFetcher{replies: v.Fetch}
	queue := &memoryQueue{full: v.Full}
	grants := &host.Grants{
		KV: map[string]host.Access{}, MaxFetchCalls: v.Grants.MaxFetchCalls, MaxValue: v.Grants.MaxValue,
		Queues: map[string]bool{}, MaxJobSize: v.Grants.MaxJobSize,
	}
	for _, q := range v.Grants.Enqueue {
		grants.Queues[q] = true
	}
	for store, access := range v.Grants.KV {
		grants.KV[store] = map[string]host.Access{"read": host.Read, "read-write": host.ReadWrite}[access]
	}
	if v.Grants.Fetch {
		grants.Fetcher = fetcher
	}
	ai := &scriptedAI{replies: v.AI}
	if v.Grants.AI {
		grants.AI = ai
	}
	databases := openVectorDatabases(t, v.Databases, v.Grants.SQL, grants)
	buckets := objectBuckets(v, grants)
	logs := []logLine{}
	denied := 0
	run := &host.Run{
		Handler: "vectors", Grants: grants, KV: kv, Queue: queue,
		Log:    func(level int, msg []byte) { logs = append(logs, logLine{int32(level), string(msg)}) },
		Denied: func(string, string) { denied++ },
	}
	if noRun {
		run = nil
	}
	p := newProgram()
	for i := range v.Calls {
		if err := v.Calls[i].encode(p); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	out := p.run(t, context.Background(), run)
	for i := range v.Calls {
		c := &v.Calls[i]
		if err := c.check(out[3*i], out[3*i+1], out[3*i+2]); err != nil {
			t.Errorf("call %d (%s): %v", i, c.Fn, err)
		}
	}
	if run != nil {
		run.Close()
	}
	a := v.After
	if a.KV != nil {
		if got := kv.contents(); !reflect.DeepEqual(got, a.KV) {
			t.Errorf("stores after: %v, want %v", got, a.KV)
		}
	}
	for key, secs := range a.TTLs {
		if got := kv.ttls[key]; got != time.Duration(secs)*time.Second {
			t.Errorf("TTL of %s: %s, want %ds", key, got, secs)
		}
	}
	if a.Sent != nil {
		sent := []sentRequest{}
		for _, r := range fetcher.sent {
			sent = append(sent, sentRequest{r.Method, r.URL, r.Header, string(r.Body)})
		}
		if !reflect.DeepEqual(sent, a.Sent) {
			t.Errorf("requests sent: %+v, want %+v", sent, a.Sent)
		}
	}
	if a.Logs != nil && !reflect.DeepEqual(logs, a.Logs) {
		t.Errorf("log lines: %+v, want %+v", logs, a.Logs)
	}
	if a.Jobs != nil && fmt.Sprint(queue.jobs) != fmt.Sprint(a.Jobs) {
		t.Errorf("jobs enqueued: %+v, want %+v", queue.jobs, a.Jobs)
	}
	if a.Chats != nil && !reflect.DeepEqual(ai.chats(), a.Chats) {
		t.Errorf("chats the endpoint got: %+v, want %+v", ai.chats(), a.Chats)
	}
	if a.Objects != nil {
		checkObjects(t, buckets, a.Objects)
	}
	checkVectorQueries(t, databases, a.Queries)
	if a.Denied != nil && denied != *a.Denied {
		t.Errorf("denied calls reported: %d, want %d", denied, *a.Denied)
	}
}

// TestVectors drives every vector of contract/host through the real
// gojinn module, from a real guest.
func TestVectors(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testguest.Root(), "contract", "host", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors in contract/host: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var vectors []vector
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&vectors); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for i := range vectors {
			t.Run(filepath.Base(file)+"/"+vectors[i].Name, func(t *testing.T) { runVector(t, &vectors[i], false) })
		}
	}
}
