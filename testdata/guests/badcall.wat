;; badcall: imports a function WASI does not have (refused at load).
(module
  (import "wasi_snapshot_preview1" "no_such_call" (func $nope))
  (memory (export "memory") 1)
  (func (export "_start") (call $nope)))
