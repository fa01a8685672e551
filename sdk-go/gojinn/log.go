package gojinn

// Level is a Log line's level. The host logs LevelError at error level
// and every other level at info (docs/host-abi.md, host_log). For debug
// or warn entries, or fields, write a JSON line to stderr instead
// ({"level":"warn","msg":"..."}, docs/contract.md).
type Level int32

// The levels host_log distinguishes.
const (
	LevelInfo  Level = 1
	LevelError Level = 3
)

// Log writes msg as one entry of Caddy's log, tagged with the handler and
// the request's trace id, under the same per-request caps as stderr lines.
func Log(level Level, msg string) { hostABI{}.log(int32(level), msg) }
