package host_test

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"testing"

	"github.com/gojinn/gojinn/host"
	"github.com/gojinn/gojinn/sqldb"
)

// FuzzCallArguments calls a gojinn function with arbitrary arguments, the
// run granting a store, fetch, a queue, ai, a database and an object
// store: whatever they are, the call returns a status of the ABI and the
// guest goes on (a host panic would trap it).
func FuzzCallArguments(f *testing.F) {
	f.Add(uint8(1), uint64(addrStore), uint64(1), uint64(addrKey), uint64(3), uint64(addrReq), uint64(16), uint64(addrLenOut), uint64(addrRevOut), uint64(0))
	f.Add(uint8(7), uint64(addrStore), uint64(1), uint64(0), uint64(0), uint64(0), uint64(0), uint64(addrReq), uint64(0xFFFFFFFF), uint64(addrLenOut))
	f.Add(uint8(8), uint64(addrReq), uint64(0x7FFFFFFF), uint64(0), uint64(0), uint64(addrOut), uint64(0), uint64(0), uint64(0), uint64(0))
	f.Add(uint8(9), uint64(1), uint64(addrReq), uint64(64), uint64(0xFFFFFFFC), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0))
	f.Add(uint8(0), uint64(3), uint64(0xFFFFFFFF), uint64(2), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0))
	f.Add(uint8(12), uint64(addrStore), uint64(1), uint64(addrKey), uint64(3), uint64(addrBuf), uint64(64), uint64(addrLenOut), uint64(0), uint64(0))
	f.Add(uint8(6), uint64(addrStore), uint64(1), uint64(addrKey), uint64(3), uint64(1<<63), uint64(0x2FFFFF9), uint64(0), uint64(0), uint64(0))
	// ai_chat and the 1.3 functions, the request at addrReq (a fetch
	// request, which none of them takes: invalid) and out of bounds.
	for fn := uint8(13); fn < 21; fn++ {
		f.Add(fn, uint64(addrReq), uint64(28), uint64(addrOut), uint64(4), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0))
		f.Add(fn, uint64(0xFFFFFFF0), uint64(0x20), uint64(0xFFFFFFFF), uint64(0xFFFFFFFF), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0))
	}
	db, err := sqldb.Open(sqldb.Config{Name: "s", Kind: sqldb.SQLite, Path: filepath.Join(f.TempDir(), "s.db")})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = db.Close() })
	database, _ := db.Access(false)
	f.Fuzz(func(t *testing.T, fn uint8, a0, a1, a2, a3, a4, a5, a6, a7, a8 uint64) {
		i := int(fn) % len(host.Functions)
		name := host.Functions[i]
		n, ok := arity[name]
		if !ok {
			t.Fatalf("%s: the fuzz test does not know its number of parameters", name)
		}
		fetcher := &scriptedFetcher{replies: []fetchReply{{Status: 200, Body: "body"}}}
		kv := newMemoryKV()
		kv.load("s", map[string]string{"key": "value"})
		run := &host.Run{
			Grants: &host.Grants{
				KV: map[string]host.Access{"s": host.ReadWrite}, Fetcher: fetcher, Queues: map[string]bool{"s": true},
				AI:      &scriptedAI{replies: []aiReply{{Text: "hi"}}},
				SQL:     map[string]host.SQL{"s": database},
				Objects: map[string]host.ObjectGrant{"s": {Store: newMemoryBucket(0, nil), Access: host.ReadWrite}},
			},
			KV:    kv,
			Queue: &memoryQueue{},
		}
		p := &program{}
		p.write(addrStore, []byte("s"))
		p.write(addrKey, []byte("key"))
		p.write(addrReq, []byte(`{"url":"https://a.example/"}`))
		p.call("fetch", addrReq, 28, 0, 0, addrOut) // handle 1, for fetch_head and the others
		args := []uint64{a0, a1, a2, a3, a4, a5, a6, a7, a8}[:n]
		p.call(name, args...)
		out := p.run(t, context.Background(), run)
		if st := binary.LittleEndian.Uint32(out[1]); st > uint32(host.StatusLimit) {
			t.Fatalf("%s%v: status %d", name, args, st)
		}
	})
}

// arity is each function's number of parameters (docs/host-abi.md).
var arity = map[string]int{
	"host_log": 3, "kv_get": 8, "kv_set": 8, "kv_create": 8, "kv_update": 8, "kv_delete": 4,
	"kv_increment": 6, "kv_keys": 9, "fetch": 5, "fetch_head": 4, "fetch_body": 4, "fetch_close": 1,
	"enqueue": 7, "ai_chat": 3, "sql_query": 3, "sql_exec": 3, "object_get": 3, "object_head": 3,
	"object_put": 4, "object_delete": 2, "object_list": 3,
}
