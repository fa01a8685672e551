// Package sandbox runs WebAssembly (WASI preview 1) request handlers, one
// fresh instance per request, on wazero. It knows nothing of HTTP or Caddy.
//
// What it guarantees:
//   - Every call gets a new, anonymous module instance with its own linear
//     memory and globals; no instance is ever reused. Instances may be
//     created (and their _start run up to the first read of stdin) ahead of
//     the request by a [Pool], but each one serves exactly one request.
//   - A module is compiled once ([Compile]), with every import resolved, and
//     compiled code can be kept on disk across restarts ([Options.CacheDir]).
//     [Module.Close] lets runs in flight finish; the module's runtime,
//     memory and compiled code are released after the last one.
//   - Limits hold: linear memory is capped ([Options.MemoryLimitPages]);
//     a run past its deadline, or one that writes more than its output cap,
//     is stopped at once, also while its guest sleeps; one that uses more
//     fuel than [RunLimits.FuelLimit] is stopped too. Every module is
//     metered (sandbox/meter): its code calls the host about once a
//     millisecond of compute, which is where runs are stopped.
//   - Every run's fuel ([Result.Fuel]) depends only on the module and what
//     it computes: the same request uses the same fuel, pooled or not,
//     whatever the machine's load.
//   - Every run ends in exactly one [Outcome]; on [OutcomeOK] the guest's
//     stdout was exactly one valid contract response (docs/contract.md).
//   - Guests get real clocks and cryptographic randomness, the configured
//     environment and arguments, no network, and no files but the host
//     directories mounted for them ([Mounts]), each confined to its
//     directory (no `..` or symbolic link leads out); beyond that,
//     only the functions of the host modules given to [Compile]
//     ([HostModule]), instantiated for the modules that import them.
package sandbox
