;; nap: reads its request, sleeps 300 ms (WASI poll_oneoff on a relative
;; clock), then answers "napped": a run that takes a known while whatever
;; the machine's speed, for tests that need runs in flight.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "{\"status\":200,\"body\":\"napped\"}")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 8192))
    (i32.store (i32.const 4) (i32.const 8192))
    (block $done (loop $read
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
      (br_if $done (i32.eqz (i32.load (i32.const 16))))
      (br $read)))
    ;; one clock subscription at 256: tag 0 (clock) at +8, timeout at +24, flags 0 (relative)
    (i32.store8 (i32.const 264) (i32.const 0))
    (i64.store (i32.const 280) (i64.const 300000000))
    (drop (call $poll_oneoff (i32.const 256) (i32.const 512) (i32.const 1) (i32.const 600)))
    (i32.store (i32.const 32) (i32.const 1024))
    (i32.store (i32.const 36) (i32.const 30))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 48))))
)
