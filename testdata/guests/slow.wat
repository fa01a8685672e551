;; slow: computes for about a second while using its memory, then answers
;; "slow-1". Every iteration stores a value and checks the one stored the
;; iteration before: if its memory is taken from under it (zeroed, or
;; written by someone else) it answers "slow-X" instead. It writes
;; "started" to stderr once it has its request, so a test can tell it runs.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 1024) "{\"status\":200,\"body\":\"slow-1\"}")
  (data (i32.const 1100) "started\n")
  (func (export "_start") (local $i i32) (local $addr i32) (local $prev i32) (local $bad i32)
    (i32.store (i32.const 0) (i32.const 8192))
    (i32.store (i32.const 4) (i32.const 8192))
    (block $done (loop $read
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
      (br_if $done (i32.eqz (i32.load (i32.const 16))))
      (br $read)))
    (i32.store (i32.const 32) (i32.const 1100))
    (i32.store (i32.const 36) (i32.const 8))
    (drop (call $fd_write (i32.const 2) (i32.const 32) (i32.const 1) (i32.const 48)))
    ;; values i+1 at 16384 + 4*(i mod 16384): 64 KiB of the second page and more
    (local.set $prev (i32.const 16384))
    (loop $work
      (local.set $addr (i32.add (i32.const 16384) (i32.shl (i32.and (local.get $i) (i32.const 16383)) (i32.const 2))))
      (i32.store (local.get $addr) (i32.add (local.get $i) (i32.const 1)))
      (if (i32.and (i32.ne (local.get $i) (i32.const 0))
                   (i32.ne (i32.load (local.get $prev)) (local.get $i)))
        (then (local.set $bad (i32.const 1))))
      (local.set $prev (local.get $addr))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $work (i32.lt_u (local.get $i) (i32.const 12000000))))
    (if (local.get $bad) (then (i32.store8 (i32.const 1051) (i32.const 88)))) ;; X
    (i32.store (i32.const 32) (i32.const 1024))
    (i32.store (i32.const 36) (i32.const 30))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 48))))
)
