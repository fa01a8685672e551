//go:build wasip1

package gojinn

import "unsafe"

// The host functions, module `gojinn` (docs/host-abi.md, version 1.3). A
// string parameter is passed as the ABI's (ptr, len) pair; this is the
// only file that declares imports.

//go:wasmimport gojinn host_log
func hostLog(level int32, msg string)

//go:wasmimport gojinn kv_get
func kvGet(store, key string, buf *byte, bufCap uint32, lenOut *uint32, revOut *uint64) status

//go:wasmimport gojinn kv_set
func kvSet(store, key string, val *byte, valLen uint32, ttlSeconds int32, revOut *uint64) status

//go:wasmimport gojinn kv_create
func kvCreate(store, key string, val *byte, valLen uint32, ttlSeconds int32, revOut *uint64) status

//go:wasmimport gojinn kv_update
func kvUpdate(store, key string, val *byte, valLen uint32, expectedRev int64, revOut *uint64) status

//go:wasmimport gojinn kv_delete
func kvDelete(store, key string) status

//go:wasmimport gojinn kv_increment
func kvIncrement(store, key string, by int64, valueOut *int64) status

//go:wasmimport gojinn kv_keys
func kvKeys(store, prefix, after string, buf *byte, bufCap uint32, lenOut *uint32) status

//go:wasmimport gojinn fetch
func fetch(req *byte, reqLen uint32, body *byte, bodyLen uint32, out *[3]uint32) status

//go:wasmimport gojinn fetch_head
func fetchHead(handle uint32, buf *byte, bufCap uint32, lenOut *uint32) status

//go:wasmimport gojinn fetch_body
func fetchBody(handle uint32, buf *byte, bufCap uint32, lenOut *uint32) status

//go:wasmimport gojinn fetch_close
func fetchClose(handle uint32) status

// Added in version 1.1.
//
//go:wasmimport gojinn enqueue
func enqueueJob(queue string, body *byte, bodyLen uint32, idBuf *byte, idBufCap uint32, lenOut *uint32) status

// Added in version 1.2.
//
//go:wasmimport gojinn ai_chat
func aiChat(req *byte, reqLen uint32, out *[4]uint32) status

// Added in version 1.3.
//
//go:wasmimport gojinn sql_query
func sqlQuery(req *byte, reqLen uint32, out *[2]uint32) status

//go:wasmimport gojinn sql_exec
func sqlExec(req *byte, reqLen uint32, out *[2]uint32) status

//go:wasmimport gojinn object_get
func objectGet(req *byte, reqLen uint32, out *[3]uint32) status

//go:wasmimport gojinn object_head
func objectHead(req *byte, reqLen uint32, out *[3]uint32) status

//go:wasmimport gojinn object_put
func objectPut(req *byte, reqLen uint32, body *byte, bodyLen uint32) status

//go:wasmimport gojinn object_delete
func objectDelete(req *byte, reqLen uint32) status

//go:wasmimport gojinn object_list
func objectList(req *byte, reqLen uint32, out *[3]uint32) status

// hostABI is the abi of a guest running under Gojinn.
type hostABI struct{}

func (hostABI) log(level int32, msg string) { hostLog(level, msg) }

func (hostABI) kvGet(store, key string, buf []byte) (size uint32, rev uint64, st status) {
	st = kvGet(store, key, unsafe.SliceData(buf), uint32(len(buf)), &size, &rev)
	return size, rev, st
}

func (hostABI) kvSet(store, key string, value []byte, ttlSeconds int32) (rev uint64, st status) {
	st = kvSet(store, key, unsafe.SliceData(value), uint32(len(value)), ttlSeconds, &rev)
	return rev, st
}

func (hostABI) kvCreate(store, key string, value []byte, ttlSeconds int32) (rev uint64, st status) {
	st = kvCreate(store, key, unsafe.SliceData(value), uint32(len(value)), ttlSeconds, &rev)
	return rev, st
}

func (hostABI) kvUpdate(store, key string, value []byte, expectedRev int64) (rev uint64, st status) {
	st = kvUpdate(store, key, unsafe.SliceData(value), uint32(len(value)), expectedRev, &rev)
	return rev, st
}

func (hostABI) kvDelete(store, key string) status { return kvDelete(store, key) }

func (hostABI) kvIncrement(store, key string, by int64) (value int64, st status) {
	st = kvIncrement(store, key, by, &value)
	return value, st
}

func (hostABI) kvKeys(store, prefix, after string, buf []byte) (size uint32, st status) {
	st = kvKeys(store, prefix, after, unsafe.SliceData(buf), uint32(len(buf)), &size)
	return size, st
}

func (hostABI) fetch(request, body []byte) (handle, headSize, bodySize uint32, st status) {
	var out [3]uint32
	st = fetch(unsafe.SliceData(request), uint32(len(request)), unsafe.SliceData(body), uint32(len(body)), &out)
	return out[0], out[1], out[2], st
}

func (hostABI) fetchHead(handle uint32, buf []byte) (size uint32, st status) {
	st = fetchHead(handle, unsafe.SliceData(buf), uint32(len(buf)), &size)
	return size, st
}

func (hostABI) fetchBody(handle uint32, buf []byte) (size uint32, st status) {
	st = fetchBody(handle, unsafe.SliceData(buf), uint32(len(buf)), &size)
	return size, st
}

func (hostABI) fetchClose(handle uint32) status { return fetchClose(handle) }

func (hostABI) enqueue(queue string, body, idBuf []byte) (size uint32, st status) {
	st = enqueueJob(queue, unsafe.SliceData(body), uint32(len(body)), unsafe.SliceData(idBuf), uint32(len(idBuf)), &size)
	return size, st
}

func (hostABI) aiChat(request []byte) (handle, textSize uint32, st status) {
	var out [4]uint32 // handle, text size, prompt tokens, completion tokens
	st = aiChat(unsafe.SliceData(request), uint32(len(request)), &out)
	return out[0], out[1], st
}

func (hostABI) sqlQuery(request []byte) (handle, size uint32, st status) {
	var out [2]uint32 // handle, size
	st = sqlQuery(unsafe.SliceData(request), uint32(len(request)), &out)
	return out[0], out[1], st
}

func (hostABI) sqlExec(request []byte) (handle, size uint32, st status) {
	var out [2]uint32 // handle, size
	st = sqlExec(unsafe.SliceData(request), uint32(len(request)), &out)
	return out[0], out[1], st
}

func (hostABI) objectGet(request []byte) (handle, headSize, bodySize uint32, st status) {
	var out [3]uint32
	st = objectGet(unsafe.SliceData(request), uint32(len(request)), &out)
	return out[0], out[1], out[2], st
}

func (hostABI) objectHead(request []byte) (handle, headSize, bodySize uint32, st status) {
	var out [3]uint32
	st = objectHead(unsafe.SliceData(request), uint32(len(request)), &out)
	return out[0], out[1], out[2], st
}

func (hostABI) objectPut(request, body []byte) status {
	return objectPut(unsafe.SliceData(request), uint32(len(request)), unsafe.SliceData(body), uint32(len(body)))
}

func (hostABI) objectDelete(request []byte) status {
	return objectDelete(unsafe.SliceData(request), uint32(len(request)))
}

func (hostABI) objectList(request []byte) (handle, headSize, bodySize uint32, st status) {
	var out [3]uint32
	st = objectList(unsafe.SliceData(request), uint32(len(request)), &out)
	return out[0], out[1], out[2], st
}
