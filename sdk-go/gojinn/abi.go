package gojinn

// abi is the seam between this package's logic and the host functions of
// docs/host-abi.md: host_wasip1.go implements it with the `gojinn`
// imports, the tests with a fake. Buffers and strings stand for the ABI's
// (ptr, len) pairs; out-parameters become results.
//
// Only KV, Enqueue, Chat, SQL, Objects, Log and FetchTransport's zero value reach the real
// implementation (Log calls it directly: it has no logic to test), so a test binary that never calls them links no
// `gojinn` import and runs under a plain WASI runtime (wazero's CLI).
type abi interface {
	kvGet(store, key string, buf []byte) (size uint32, rev uint64, st status)
	kvSet(store, key string, value []byte, ttlSeconds int32) (rev uint64, st status)
	kvCreate(store, key string, value []byte, ttlSeconds int32) (rev uint64, st status)
	kvUpdate(store, key string, value []byte, expectedRev int64) (rev uint64, st status)
	kvDelete(store, key string) status
	kvIncrement(store, key string, by int64) (value int64, st status)
	kvKeys(store, prefix, after string, buf []byte) (size uint32, st status)
	fetch(request, body []byte) (handle, headSize, bodySize uint32, st status)
	fetchHead(handle uint32, buf []byte) (size uint32, st status)
	fetchBody(handle uint32, buf []byte) (size uint32, st status)
	fetchClose(handle uint32) status
	enqueue(queue string, body, idBuf []byte) (size uint32, st status)
	aiChat(request []byte) (handle, textSize uint32, st status)
	sqlQuery(request []byte) (handle, size uint32, st status)
	sqlExec(request []byte) (handle, size uint32, st status)
	objectGet(request []byte) (handle, headSize, bodySize uint32, st status)
	objectHead(request []byte) (handle, headSize, bodySize uint32, st status)
	objectPut(request, body []byte) status
	objectDelete(request []byte) status
	objectList(request []byte) (handle, headSize, bodySize uint32, st status)
}

// readSized reads a variable-size result into buf, retrying with a buffer
// of the size the host reports for as long as it answers
// buffer_too_small (the result may grow between two calls): a result is
// never truncated. It returns the result, a slice of buf or of the larger
// buffer, whose capacity the caller may reuse.
func readSized(buf []byte, read func(buf []byte) (size uint32, st status)) ([]byte, status) {
	for {
		size, st := read(buf)
		switch {
		case st == statusBufferTooSmall && uint64(size) > uint64(len(buf)):
			buf = make([]byte, size)
		case st == statusBufferTooSmall, st == statusOK && uint64(size) > uint64(len(buf)):
			// A size that fits cannot be too small, and an ok result
			// cannot be larger than its buffer: the host is wrong.
			return nil, statusIOError
		case st == statusOK:
			return buf[:size], statusOK
		default:
			return nil, st
		}
	}
}
