;; echo-stderr: writes its contract request to stderr as one line, then
;; answers 200. A triggered function's runs show in Caddy's log this way.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "{\"status\":200}")
  (func (export "_start")
    (local $n i32)
    ;; read stdin to EOF into 8192.. (at most 32 KiB); iovec at 0, nread at 16
    (block $done (loop $read
      (i32.store (i32.const 0) (i32.add (i32.const 8192) (local.get $n)))
      (i32.store (i32.const 4) (i32.sub (i32.const 32768) (local.get $n)))
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
      (br_if $done (i32.eqz (i32.load (i32.const 16))))
      (local.set $n (i32.add (local.get $n) (i32.load (i32.const 16))))
      (br $read)))
    ;; stderr: the request and a newline
    (i32.store8 (i32.add (i32.const 8192) (local.get $n)) (i32.const 10))
    (i32.store (i32.const 32) (i32.const 8192))
    (i32.store (i32.const 36) (i32.add (local.get $n) (i32.const 1)))
    (drop (call $fd_write (i32.const 2) (i32.const 32) (i32.const 1) (i32.const 48)))
    (i32.store (i32.const 32) (i32.const 1024))
    (i32.store (i32.const 36) (i32.const 14))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 48))))
)
