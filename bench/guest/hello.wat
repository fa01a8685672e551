;; bench/guest/hello.wat: the smallest honest gojinn handler, for measuring
;; the engine's own cost (the bench's /wat target). It reads the request from
;; stdin to EOF without parsing it, writes one fixed response to stdout and
;; returns from _start (exit code 0). bench/run.sh builds it with wat2wasm;
;; for the scale test it stamps a distinct handler_id into copies so that
;; every handler is a distinct module for the compilation cache.
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))

  (memory (export "memory") 1)

  ;; Memory layout:
  ;;   0..7     iovec {buf, len} for reads
  ;;   8..11    bytes read / written by the last call
  ;;   16..23   iovec {buf, len} for writes
  ;;   256..    the response
  ;;   1024..   read buffer (4 KiB, overwritten by every read)
  (data (i32.const 256) "{\"status\":200,\"headers\":{},\"body\":\"ok\"}")

  (global (export "handler_id") i32 (i32.const 0)) ;; handler-id

  (func (export "_start")
    ;; Drain stdin: fd_read until it returns 0 bytes (EOF) or an error.
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 4096))
    (block $eof
      (loop $read
        (br_if $eof (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (br_if $read (i32.load (i32.const 8)))))

    ;; Write the 39-byte response, continuing after a short write; stop on an
    ;; error or a write of 0 bytes.
    (i32.store (i32.const 16) (i32.const 256))
    (i32.store (i32.const 20) (i32.const 39))
    (block $written
      (loop $write
        (br_if $written (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8)))
        (br_if $written (i32.eqz (i32.load (i32.const 8))))
        (i32.store (i32.const 16) (i32.add (i32.load (i32.const 16)) (i32.load (i32.const 8))))
        (i32.store (i32.const 20) (i32.sub (i32.load (i32.const 20)) (i32.load (i32.const 8))))
        (br_if $write (i32.gt_s (i32.load (i32.const 20)) (i32.const 0)))))))
