;; debuglogs: writes 40 lines of 64 bytes and then "the end" to stderr
;; (more than the 2 KiB tail), then answers 200 with headers that only the
;; host may set for a debug response: its own X-Gojinn-Logs, a caching
;; Cache-Control and a Vary.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "{\"status\":200,\"headers\":{\"X-Gojinn-Logs\":[\"forged\"],\"Cache-Control\":[\"public, max-age=60\"],\"Vary\":[\"Accept\"]},\"body\":\"ok\"}")
  (data (i32.const 2048) "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n")
  (data (i32.const 2112) "the end\n")
  (func (export "_start")
    (local $i i32)
    ;; read stdin to EOF: iovec at 0 -> buffer 8192..16384, nread at 16
    (i32.store (i32.const 0) (i32.const 8192))
    (i32.store (i32.const 4) (i32.const 8192))
    (block $done (loop $read
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
      (br_if $done (i32.eqz (i32.load (i32.const 16))))
      (br $read)))
    (i32.store (i32.const 32) (i32.const 2048))
    (i32.store (i32.const 36) (i32.const 64))
    (loop $line
      (drop (call $fd_write (i32.const 2) (i32.const 32) (i32.const 1) (i32.const 48)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $line (i32.lt_u (local.get $i) (i32.const 40))))
    (i32.store (i32.const 32) (i32.const 2112))
    (i32.store (i32.const 36) (i32.const 8))
    (drop (call $fd_write (i32.const 2) (i32.const 32) (i32.const 1) (i32.const 48)))
    (i32.store (i32.const 32) (i32.const 1024))
    (i32.store (i32.const 36) (i32.const 122))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 48))))
)
