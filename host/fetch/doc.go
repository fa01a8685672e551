// Package fetch sends a handler's outbound HTTP requests (the host ABI's
// fetch, docs/host-abi.md) under its allow-list and limits: only the
// origins its Rules name, on every redirect hop; only public addresses
// are dialed, whatever a name resolves to, unless a Rule names the address
// itself; a timeout per call within the run's own; a cap on the response
// body. Client implements host.Fetcher. docs/fetch.md is the user's view.
package fetch
