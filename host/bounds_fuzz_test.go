package host_test

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/gojinn/gojinn/host"
)

// FuzzCallArguments calls a gojinn function with arbitrary arguments, the
// run granting a store, fetch and a queue: whatever they are, the call returns a
// status of the ABI and the guest goes on (a host panic would trap it).
func FuzzCallArguments(f *testing.F) {
	f.Add(uint8(1), uint64(addrStore), uint64(1), uint64(addrKey), uint64(3), uint64(addrReq), uint64(16), uint64(addrLenOut), uint64(addrRevOut), uint64(0))
	f.Add(uint8(7), uint64(addrStore), uint64(1), uint64(0), uint64(0), uint64(0), uint64(0), uint64(addrReq), uint64(0xFFFFFFFF), uint64(addrLenOut))
	f.Add(uint8(8), uint64(addrReq), uint64(0x7FFFFFFF), uint64(0), uint64(0), uint64(addrOut), uint64(0), uint64(0), uint64(0), uint64(0))
	f.Add(uint8(9), uint64(1), uint64(addrReq), uint64(64), uint64(0xFFFFFFFC), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0))
	f.Add(uint8(0), uint64(3), uint64(0xFFFFFFFF), uint64(2), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0), uint64(0))
	f.Add(uint8(12), uint64(addrStore), uint64(1), uint64(addrKey), uint64(3), uint64(addrBuf), uint64(64), uint64(addrLenOut), uint64(0), uint64(0))
	f.Add(uint8(6), uint64(addrStore), uint64(1), uint64(addrKey), uint64(3), uint64(1<<63), uint64(0x2FFFFF9), uint64(0), uint64(0), uint64(0))
	arity := []int{3, 8, 8, 8, 8, 4, 6, 9, 5, 4, 4, 1, 7}
	f.Fuzz(func(t *testing.T, fn uint8, a0, a1, a2, a3, a4, a5, a6, a7, a8 uint64) {
		i := int(fn) % len(host.Functions)
		fetcher := &scriptedFetcher{replies: []fetchReply{{Status: 200, Body: "body"}}}
		kv := newMemoryKV()
		kv.load("s", map[string]string{"key": "value"})
		run := &host.Run{
			Grants: &host.Grants{KV: map[string]host.Access{"s": host.ReadWrite}, Fetcher: fetcher, Queues: map[string]bool{"s": true}},
			KV:     kv,
			Queue:  &memoryQueue{},
		}
		p := &program{}
		p.write(addrStore, []byte("s"))
		p.write(addrKey, []byte("key"))
		p.write(addrReq, []byte(`{"url":"https://a.example/"}`))
		p.call("fetch", addrReq, 28, 0, 0, addrOut) // handle 1, for fetch_head and the others
		args := []uint64{a0, a1, a2, a3, a4, a5, a6, a7, a8}[:arity[i]]
		p.call(host.Functions[i], args...)
		out := p.run(t, context.Background(), run)
		if st := binary.LittleEndian.Uint32(out[1]); st > uint32(host.StatusLimit) {
			t.Fatalf("%s%v: status %d", host.Functions[i], args, st)
		}
	})
}
