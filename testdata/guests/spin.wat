;; spin: a compute-heavy guest: reads its request, then runs a 10,000,000
;; iteration arithmetic loop before answering 200. Measures what wazero's
;; termination checks (one per loop back-edge) cost compute-bound code.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "{\"status\":200,\"body\":\"spun\"}")
  (func (export "_start") (local $i i32) (local $acc i32)
    (i32.store (i32.const 0) (i32.const 8192))
    (i32.store (i32.const 4) (i32.const 8192))
    (block $done (loop $read
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
      (br_if $done (i32.eqz (i32.load (i32.const 16))))
      (br $read)))
    (loop $spin
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $spin (i32.lt_u (local.get $i) (i32.const 10000000))))
    ;; keep $acc alive
    (i32.store (i32.const 2048) (local.get $acc))
    (i32.store (i32.const 32) (i32.const 1024))
    (i32.store (i32.const 36) (i32.const 28))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 48))))
)
