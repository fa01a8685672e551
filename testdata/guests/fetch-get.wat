;; fetch-get: reads its request, fetches the URL in its one environment
;; variable FETCH_URL=<url> with the host's fetch, and answers 200 with the
;; body "<status>" (the ABI status number) or, when the call is ok,
;; "0 <fetched body>" (a body that needs no JSON escaping).
(module
  (import "gojinn" "fetch" (func $fetch (param i32 i32 i32 i32 i32) (result i32)))
  (import "gojinn" "fetch_body" (func $fetch_body (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 64: fetch's out (handle, head size, body size); 80: len_out;
  ;; 96, 100: environ count and size; 128: environ pointers; 256: environ
  ;; strings; 4096: the fetch request; 8192: stdin; 16384: the answer.
  (data (i32.const 40000) "{\"url\":\"")
  (data (i32.const 40016) "{\"status\":200,\"body\":\"")

  ;; copy n bytes from src to dst and return dst+n.
  (func $copy (param $dst i32) (param $src i32) (param $n i32) (result i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
      (local.set $src (i32.add (local.get $src) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $dst))

  (func (export "_start")
    (local $p i32) (local $status i32) (local $urllen i32)
    ;; read stdin to EOF
    (i32.store (i32.const 0) (i32.const 8192))
    (i32.store (i32.const 4) (i32.const 8192))
    (block $done (loop $read
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
      (br_if $done (i32.eqz (i32.load (i32.const 16))))
      (br $read)))
    ;; {"url":"<value of FETCH_URL>"}
    (drop (call $environ_sizes_get (i32.const 96) (i32.const 100)))
    (drop (call $environ_get (i32.const 128) (i32.const 256)))
    (local.set $urllen (i32.sub (i32.load (i32.const 100)) (i32.const 11))) ;; "FETCH_URL=" and the NUL
    (local.set $p (call $copy (i32.const 4096) (i32.const 40000) (i32.const 8)))
    (local.set $p (call $copy (local.get $p) (i32.add (i32.load (i32.const 128)) (i32.const 10)) (local.get $urllen)))
    (i32.store16 (local.get $p) (i32.const 0x7d22)) ;; "}
    (local.set $status (call $fetch (i32.const 4096) (i32.sub (i32.add (local.get $p) (i32.const 2)) (i32.const 4096))
      (i32.const 0) (i32.const 0) (i32.const 64)))
    ;; the answer: {"status":200,"body":"<status>[ <body>]"}
    (local.set $p (call $copy (i32.const 16384) (i32.const 40016) (i32.const 22)))
    (if (i32.ge_u (local.get $status) (i32.const 10)) (then
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.div_u (local.get $status) (i32.const 10))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))))
    (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $status) (i32.const 10))))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (if (i32.eqz (local.get $status)) (then
      (i32.store8 (local.get $p) (i32.const 32))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (if (i32.eqz (call $fetch_body (i32.load (i32.const 64)) (local.get $p) (i32.const 16384) (i32.const 80)))
        (then (local.set $p (i32.add (local.get $p) (i32.load (i32.const 80))))))))
    (i32.store16 (local.get $p) (i32.const 0x7d22))
    (i32.store (i32.const 32) (i32.const 16384))
    (i32.store (i32.const 36) (i32.sub (i32.add (local.get $p) (i32.const 2)) (i32.const 16384)))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 48))))
)
