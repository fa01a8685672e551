;; crashon: reads its request, writes "secret=<value>" of its only
;; environment variable (configure exactly one, named SECRET) to stderr,
;; then traps if the request contains "boom" and answers 200 otherwise:
;; a guest that fails on one particular input.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "{\"status\":200}")
  (func (export "_start")
    (local $n i32)
    (local $i i32)
    ;; read stdin to EOF into 8192.. (at most 16 KiB); iovec at 0, nread at 16
    (block $done (loop $read
      (i32.store (i32.const 0) (i32.add (i32.const 8192) (local.get $n)))
      (i32.store (i32.const 4) (i32.sub (i32.const 16384) (local.get $n)))
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
      (br_if $done (i32.eqz (i32.load (i32.const 16))))
      (local.set $n (i32.add (local.get $n) (i32.load (i32.const 16))))
      (br $read)))
    ;; env: count at 64, size at 68; pointers at 128, "SECRET=<value>\0" at 32768,
    ;; written as "secret=<value>\n" from 32768 ("SECRET" lowercased)
    (drop (call $environ_sizes_get (i32.const 64) (i32.const 68)))
    (drop (call $environ_get (i32.const 128) (i32.const 32768)))
    (i32.store (i32.const 32768) (i32.const 0x72636573)) ;; "secr"
    (i32.store16 (i32.const 32772) (i32.const 0x7465))   ;; "et"
    (i32.store8 (i32.add (i32.const 32767) (i32.load (i32.const 68))) (i32.const 10))
    (i32.store (i32.const 32) (i32.const 32768))
    (i32.store (i32.const 36) (i32.load (i32.const 68)))
    (drop (call $fd_write (i32.const 2) (i32.const 32) (i32.const 1) (i32.const 48)))
    ;; trap on "boom" anywhere in the request
    (block $clean (loop $scan
      (br_if $clean (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
      (if (i32.eq (i32.load (i32.add (i32.const 8192) (local.get $i))) (i32.const 0x6d6f6f62))
        (then unreachable))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $scan)))
    (i32.store (i32.const 32) (i32.const 1024))
    (i32.store (i32.const 36) (i32.const 14))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 48))))
)
