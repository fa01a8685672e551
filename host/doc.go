// Package host is the host side of the host ABI (docs/host-abi.md): the
// `gojinn` import module through which a guest reaches its key-value
// stores, outbound HTTP and Caddy's log. It knows nothing of Caddy, NATS
// or HTTP clients: the backends are interfaces (KV, Fetcher) that natsbus
// and host/fetch implement, and the per-request state (Run: grants,
// backends, log, callbacks) reaches the functions through the context of
// the run (WithRun).
//
// What it guarantees:
//   - Only modules that import `gojinn` get it ([Module] is a
//     sandbox.HostModule, instantiated for those alone), and a module
//     importing a function it lacks, or with another signature, is refused
//     at sandbox.Compile with the import's name.
//   - Every pointer and length from the guest is checked against its
//     memory before anything happens: a bad one is StatusInvalid, never a
//     panic; what the host keeps of the guest's memory is copied.
//   - Variable-size results never truncate: the size is always written,
//     the result only when it fits (StatusBufferTooSmall otherwise).
//   - A call without a Run (a pooled instance before its request) is
//     denied; a store or fetch not granted is denied and reported once
//     (Run.Denied); blocking calls end when the run is stopped.
//
// contract/host holds vectors of the ABI that this package's tests and the
// TypeScript harness both run.
package host
