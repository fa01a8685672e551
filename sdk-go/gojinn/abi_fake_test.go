package gojinn

import (
	"encoding/binary"
	"slices"
	"strings"
)

// fakeABI is an in-memory host with the ABI's semantics (docs/host-abi.md):
// sizes at len_out with buffer_too_small when a buffer is short, pages of
// keys, revisions. It records every call. It stands in for the `gojinn`
// imports in unit tests, which run under plain wazero; the real host is
// exercised end to end through Caddy (sdkgo_test.go in the root package).
type fakeABI struct {
	stores   map[string]map[string]fakeEntry
	denied   map[string]bool // stores not granted
	lastRev  uint64
	pageSize int // keys per kv_keys page
	calls    []string

	fetchStatus status
	fetchReq    []byte // the request object the guest sent
	fetchSent   []byte // the body the guest sent
	head, body  []byte // the response
	closed      []uint32

	queueStatus status // what enqueue answers (ok: the job is taken)
	jobID       string // the id it gives
	jobs        []string

	aiStatus status // what ai_chat answers (ok: the text is body)
	aiReq    []byte // the request object the guest sent

	sqlStatus status // what sql_query and sql_exec answer; body is what their handle holds (no handle when nil)
	sqlReq    []byte // the request object the guest sent

	objStatus status // what object_* answer (ok: head and body are the object, body the page)
	objReq    []byte // the request object the guest sent
	objSent   []byte // the bytes PutObject sent
}

type fakeEntry struct {
	value []byte
	rev   uint64
	ttl   int32
}

func newFakeABI() *fakeABI {
	return &fakeABI{stores: map[string]map[string]fakeEntry{}, denied: map[string]bool{}, pageSize: 1000}
}

func (f *fakeABI) record(call string) { f.calls = append(f.calls, call) }

// put stores a value as a write would and returns its revision.
func (f *fakeABI) put(store, key string, value []byte, ttl int32) uint64 {
	if f.stores[store] == nil {
		f.stores[store] = map[string]fakeEntry{}
	}
	f.lastRev++
	f.stores[store][key] = fakeEntry{value: slices.Clone(value), rev: f.lastRev, ttl: ttl}
	return f.lastRev
}

// sized is the ABI's convention for a variable-size result.
func sized(result, buf []byte) (uint32, status) {
	if len(result) > len(buf) {
		return uint32(len(result)), statusBufferTooSmall
	}
	copy(buf, result)
	return uint32(len(result)), statusOK
}

func (f *fakeABI) kvGet(store, key string, buf []byte) (uint32, uint64, status) {
	f.record("kv_get " + key)
	if f.denied[store] {
		return 0, 0, statusDenied
	}
	e, ok := f.stores[store][key]
	if !ok {
		return 0, 0, statusNotFound
	}
	size, st := sized(e.value, buf)
	if st != statusOK {
		return size, 0, st
	}
	return size, e.rev, st
}

func (f *fakeABI) kvSet(store, key string, value []byte, ttl int32) (uint64, status) {
	f.record("kv_set " + key)
	if f.denied[store] {
		return 0, statusDenied
	}
	return f.put(store, key, value, ttl), statusOK
}

func (f *fakeABI) kvCreate(store, key string, value []byte, ttl int32) (uint64, status) {
	f.record("kv_create " + key)
	if _, ok := f.stores[store][key]; ok {
		return 0, statusExists
	}
	return f.put(store, key, value, ttl), statusOK
}

func (f *fakeABI) kvUpdate(store, key string, value []byte, expected int64) (uint64, status) {
	f.record("kv_update " + key)
	e, ok := f.stores[store][key]
	switch {
	case !ok:
		return 0, statusNotFound
	case int64(e.rev) != expected:
		return 0, statusConflict
	}
	return f.put(store, key, value, e.ttl), statusOK
}

func (f *fakeABI) kvDelete(store, key string) status {
	f.record("kv_delete " + key)
	delete(f.stores[store], key)
	return statusOK
}

func (f *fakeABI) kvIncrement(store, key string, by int64) (int64, status) {
	f.record("kv_increment " + key)
	return by, statusOK
}

func (f *fakeABI) kvKeys(store, prefix, after string, buf []byte) (uint32, status) {
	f.record("kv_keys " + prefix + " after " + after)
	if f.denied[store] {
		return 0, statusDenied
	}
	var keys []string
	for k := range f.stores[store] {
		if strings.HasPrefix(k, prefix) && k > after {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	more := len(keys) > f.pageSize
	if more {
		keys = keys[:f.pageSize]
	}
	return sized(encodeKeyPage(keys, more), buf)
}

// encodeKeyPage is a kv_keys page, as the host writes it.
func encodeKeyPage(keys []string, more bool) []byte {
	page := binary.LittleEndian.AppendUint32(nil, uint32(len(keys)))
	for _, k := range keys {
		page = binary.LittleEndian.AppendUint32(page, uint32(len(k)))
		page = append(page, k...)
	}
	flag := uint32(0)
	if more {
		flag = 1
	}
	return binary.LittleEndian.AppendUint32(page, flag)
}

func (f *fakeABI) fetch(request, body []byte) (uint32, uint32, uint32, status) {
	f.record("fetch")
	f.fetchReq, f.fetchSent = slices.Clone(request), slices.Clone(body)
	if f.fetchStatus != statusOK {
		return 0, 0, 0, f.fetchStatus
	}
	return 7, uint32(len(f.head)), uint32(len(f.body)), statusOK
}

func (f *fakeABI) fetchHead(handle uint32, buf []byte) (uint32, status) {
	f.record("fetch_head")
	if handle != 7 {
		return 0, statusInvalid
	}
	return sized(f.head, buf)
}

func (f *fakeABI) fetchBody(handle uint32, buf []byte) (uint32, status) {
	f.record("fetch_body")
	if handle != 7 {
		return 0, statusInvalid
	}
	return sized(f.body, buf)
}

func (f *fakeABI) fetchClose(handle uint32) status {
	f.closed = append(f.closed, handle)
	return statusOK
}

func (f *fakeABI) enqueue(queue string, body, idBuf []byte) (uint32, status) {
	f.record("enqueue " + queue)
	if f.queueStatus != statusOK {
		return 0, f.queueStatus
	}
	if len(idBuf) < maxJobID {
		return maxJobID, statusBufferTooSmall // as the host: before anything is enqueued
	}
	f.jobs = append(f.jobs, queue+" "+string(body))
	return sized([]byte(f.jobID), idBuf)
}

func (f *fakeABI) aiChat(request []byte) (uint32, uint32, status) {
	f.record("ai_chat")
	f.aiReq = slices.Clone(request)
	if f.aiStatus != statusOK {
		return 0, 0, f.aiStatus
	}
	return 7, uint32(len(f.body)), statusOK
}

func (f *fakeABI) sqlQuery(request []byte) (uint32, uint32, status) {
	return f.sqlCall("sql_query", request)
}

func (f *fakeABI) sqlExec(request []byte) (uint32, uint32, status) {
	return f.sqlCall("sql_exec", request)
}

func (f *fakeABI) sqlCall(name string, request []byte) (uint32, uint32, status) {
	f.record(name)
	f.sqlReq = slices.Clone(request)
	if f.body == nil {
		return 0, 0, f.sqlStatus
	}
	return 7, uint32(len(f.body)), f.sqlStatus
}

func (f *fakeABI) objectGet(request []byte) (uint32, uint32, uint32, status) {
	return f.objectCall("object_get", request, uint32(len(f.head)), uint32(len(f.body)))
}

func (f *fakeABI) objectHead(request []byte) (uint32, uint32, uint32, status) {
	return f.objectCall("object_head", request, uint32(len(f.head)), 0)
}

func (f *fakeABI) objectList(request []byte) (uint32, uint32, uint32, status) {
	return f.objectCall("object_list", request, 0, uint32(len(f.body)))
}

func (f *fakeABI) objectCall(name string, request []byte, headSize, bodySize uint32) (uint32, uint32, uint32, status) {
	f.record(name)
	f.objReq = slices.Clone(request)
	if f.objStatus != statusOK {
		return 0, 0, 0, f.objStatus
	}
	return 7, headSize, bodySize, statusOK
}

func (f *fakeABI) objectPut(request, body []byte) status {
	f.record("object_put")
	f.objReq, f.objSent = slices.Clone(request), slices.Clone(body)
	return f.objStatus
}

func (f *fakeABI) objectDelete(request []byte) status {
	f.record("object_delete")
	f.objReq = slices.Clone(request)
	return f.objStatus
}
