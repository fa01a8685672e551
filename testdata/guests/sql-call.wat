;; sql-call: runs one SQL call given in its request body (hex), and
;; answers 200 with the call's status in the header X-Sql-Status (two
;; decimal digits) and what its handle holds (the result, or the
;; database's message) as the body, in hex. The body's first byte is
;; 'q' for sql_query or 'e' for sql_exec; the rest is the request object
;; of docs/host-abi.md.
;; Memory, two pages: stdin at 0x2000 (up to 32 KiB), the handle's
;; contents at 0xA000 (up to 16 KiB), their hex at 0xE000; a guest this
;; small instantiates as fast as any (the benchmark runs it).
(module
  (import "gojinn" "sql_query" (func $sql_query (param i32 i32 i32) (result i32)))
  (import "gojinn" "sql_exec" (func $sql_exec (param i32 i32 i32) (result i32)))
  (import "gojinn" "fetch_body" (func $fetch_body (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 1024) "{\"status\":200,\"headers\":{\"X-Sql-Status\":[\"")
  (data (i32.const 1100) "\"]},\"body\":\"")
  (data (i32.const 1200) "\"}")

  (func $unhex (param $c i32) (result i32)
    (if (result i32) (i32.le_u (local.get $c) (i32.const 57))
      (then (i32.sub (local.get $c) (i32.const 48)))
      (else (i32.sub (i32.or (local.get $c) (i32.const 32)) (i32.const 87)))))
  (func $hex (param $d i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $d) (i32.const 10))
      (then (i32.add (local.get $d) (i32.const 48)))
      (else (i32.add (local.get $d) (i32.const 87)))))

  (func (export "_start")
    (local $end i32) (local $p i32) (local $q i32) (local $st i32) (local $size i32)
    ;; stdin into 0x2000..0xA000
    (local.set $end (i32.const 0x2000))
    (block $done (loop $read
      (i32.store (i32.const 0) (local.get $end))
      (i32.store (i32.const 4) (i32.sub (i32.const 0xA000) (local.get $end)))
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
      (br_if $done (i32.eqz (i32.load (i32.const 16))))
      (local.set $end (i32.add (local.get $end) (i32.load (i32.const 16))))
      (br $read)))
    ;; the body's hex follows "body":" ; decode it in place
    (local.set $p (i32.const 0x2000))
    (block $found (loop $scan
      (br_if $found (i64.eq (i64.load (local.get $p)) (i64.const 0x223a2279646f6222)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $scan (i32.lt_u (local.get $p) (local.get $end)))
      (unreachable)))
    (local.set $p (i32.add (local.get $p) (i32.const 8)))
    (local.set $q (i32.const 0x2000))
    (block $decoded (loop $unhexing
      (br_if $decoded (i32.eq (i32.load8_u (local.get $p)) (i32.const 34)))
      (i32.store8 (local.get $q) (i32.or
        (i32.shl (call $unhex (i32.load8_u (local.get $p))) (i32.const 4))
        (call $unhex (i32.load8_u offset=1 (local.get $p)))))
      (local.set $p (i32.add (local.get $p) (i32.const 2)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $unhexing)))
    ;; the call: handle and size at 64
    (local.set $st
      (if (result i32) (i32.eq (i32.load8_u (i32.const 0x2000)) (i32.const 113))
        (then (call $sql_query (i32.const 0x2001) (i32.sub (local.get $q) (i32.const 0x2001)) (i32.const 64)))
        (else (call $sql_exec (i32.const 0x2001) (i32.sub (local.get $q) (i32.const 0x2001)) (i32.const 64)))))
    ;; the handle's contents, if any and if they fit
    (if (i32.load (i32.const 64)) (then
      (if (i32.eqz (call $fetch_body (i32.load (i32.const 64)) (i32.const 0xA000) (i32.const 0x4000) (i32.const 72)))
        (then (local.set $size (i32.load (i32.const 72)))))))
    ;; the status as two digits at 80
    (i32.store8 (i32.const 80) (i32.add (i32.const 48) (i32.div_u (local.get $st) (i32.const 10))))
    (i32.store8 (i32.const 81) (i32.add (i32.const 48) (i32.rem_u (local.get $st) (i32.const 10))))
    ;; the contents in hex
    (local.set $p (i32.const 0xA000))
    (local.set $q (i32.const 0xE000))
    (block $encoded (loop $hexing
      (br_if $encoded (i32.ge_u (local.get $p) (i32.add (i32.const 0xA000) (local.get $size))))
      (i32.store8 (local.get $q) (call $hex (i32.shr_u (i32.load8_u (local.get $p)) (i32.const 4))))
      (i32.store8 offset=1 (local.get $q) (call $hex (i32.and (i32.load8_u (local.get $p)) (i32.const 15))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $q (i32.add (local.get $q) (i32.const 2)))
      (br $hexing)))
    ;; {"status":200,"headers":{"X-Sql-Status":["NN"]},"body":"<hex>"}
    (i32.store (i32.const 32) (i32.const 1024))
    (i32.store (i32.const 36) (i32.const 42))
    (i32.store (i32.const 40) (i32.const 80))
    (i32.store (i32.const 44) (i32.const 2))
    (i32.store (i32.const 48) (i32.const 1100))
    (i32.store (i32.const 52) (i32.const 12))
    (i32.store (i32.const 56) (i32.const 0xE000))
    (i32.store (i32.const 60) (i32.sub (local.get $q) (i32.const 0xE000)))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 4) (i32.const 96)))
    (i32.store (i32.const 32) (i32.const 1200))
    (i32.store (i32.const 36) (i32.const 2))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 96))))
)
