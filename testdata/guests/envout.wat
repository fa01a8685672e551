;; envout: reads stdin to EOF, then writes the value of its only environment
;; variable (configure exactly one, named OUT, with `env OUT <text>`) to
;; stdout as it is: one guest that can answer anything a test needs.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    ;; read stdin to EOF: iovec at 0 -> buffer 8192..16384, nread at 16
    (i32.store (i32.const 0) (i32.const 8192))
    (i32.store (i32.const 4) (i32.const 8192))
    (block $done (loop $read
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
      (br_if $done (i32.eqz (i32.load (i32.const 16))))
      (br $read)))
    ;; count at 64, size at 68; pointers at 128, "OUT=<text>\0" at 32768
    (drop (call $environ_sizes_get (i32.const 64) (i32.const 68)))
    (drop (call $environ_get (i32.const 128) (i32.const 32768)))
    ;; write <text>: after "OUT=", without the NUL
    (i32.store (i32.const 32) (i32.const 32772))
    (i32.store (i32.const 36) (i32.sub (i32.load (i32.const 68)) (i32.const 5)))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 48)))
  )
)
