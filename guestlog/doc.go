// Package guestlog turns what a WebAssembly guest writes to stderr into
// structured log entries.
//
// A Writer is made per request, handed to the sandbox as the guest's
// stderr, and closed when the guest is done. The package guarantees that:
//
//   - Every line becomes at most one log entry, with the field
//     source="guest". A line that is a JSON object with a string "level"
//     (debug, info, warn, warning, error) and a string "msg" is logged at
//     that level with that message and its other members as fields; any
//     other line is logged at info with the line as its message. A line may
//     arrive split across any number of writes.
//   - The guest can never make Caddy fail, stop or exit through its log:
//     Write never returns an error, no guest level maps to a fatal or
//     panic level, invalid UTF-8 is replaced, and the memory held is
//     bounded by Limits whatever the guest writes.
//   - Lines and bytes logged per request are capped (Limits); what is
//     dropped is counted and reported in one warn entry at Close.
//   - The last Limits.TailBytes of stderr stay available as valid UTF-8
//     (Tail), for the error entry of a failed request and for the debug
//     header.
//   - A guest that writes nothing costs one allocation (the Writer).
//
// The package imports only zap and the standard library.
package guestlog
