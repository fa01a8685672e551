//go:build !wasip1

package gojinn

import (
	"fmt"
	"os"
)

// hostABI, outside Gojinn (a handler's tests on the developer's machine):
// there is no host, so every call is unavailable and logs go to stderr.
type hostABI struct{}

func (hostABI) log(level int32, msg string) {
	fmt.Fprintf(os.Stderr, "gojinn log (level %d): %s\n", level, msg)
}

func (hostABI) kvGet(string, string, []byte) (uint32, uint64, status) {
	return 0, 0, statusUnavailable
}

func (hostABI) kvSet(string, string, []byte, int32) (uint64, status) { return 0, statusUnavailable }

func (hostABI) kvCreate(string, string, []byte, int32) (uint64, status) {
	return 0, statusUnavailable
}

func (hostABI) kvUpdate(string, string, []byte, int64) (uint64, status) {
	return 0, statusUnavailable
}

func (hostABI) kvDelete(string, string) status { return statusUnavailable }

func (hostABI) kvIncrement(string, string, int64) (int64, status) { return 0, statusUnavailable }

func (hostABI) kvKeys(string, string, string, []byte) (uint32, status) {
	return 0, statusUnavailable
}

func (hostABI) fetch([]byte, []byte) (uint32, uint32, uint32, status) {
	return 0, 0, 0, statusUnavailable
}

func (hostABI) fetchHead(uint32, []byte) (uint32, status) { return 0, statusUnavailable }

func (hostABI) fetchBody(uint32, []byte) (uint32, status) { return 0, statusUnavailable }

func (hostABI) fetchClose(uint32) status { return statusUnavailable }

func (hostABI) enqueue(string, []byte, []byte) (uint32, status) { return 0, statusUnavailable }

func (hostABI) aiChat([]byte) (uint32, uint32, status) { return 0, 0, statusUnavailable }

func (hostABI) sqlQuery([]byte) (uint32, uint32, status) { return 0, 0, statusUnavailable }

func (hostABI) sqlExec([]byte) (uint32, uint32, status) { return 0, 0, statusUnavailable }

func (hostABI) objectGet([]byte) (uint32, uint32, uint32, status) {
	return 0, 0, 0, statusUnavailable
}

func (hostABI) objectHead([]byte) (uint32, uint32, uint32, status) {
	return 0, 0, 0, statusUnavailable
}

func (hostABI) objectPut([]byte, []byte) status { return statusUnavailable }

func (hostABI) objectDelete([]byte) status { return statusUnavailable }

func (hostABI) objectList([]byte) (uint32, uint32, uint32, status) {
	return 0, 0, 0, statusUnavailable
}
