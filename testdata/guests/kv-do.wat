;; kv-do: runs the key-value (or queue) operation the request body names, through the
;; gojinn host functions (docs/host-abi.md), and answers 200 with its status
;; code and result in the body. Body: space-separated words, no quotes or
;; backslashes; "-" is the empty string:
;;   get <store> <key>                -> "<status> <value>"
;;   set <store> <key> <value> [ttl]  -> "<status> <revision>"
;;   create <store> <key> <value> [ttl] -> "<status> <revision>"
;;   update <store> <key> <value> <revision> -> "<status> <revision>"
;;   del <store> <key>                -> "<status>"
;;   incr <store> <key> <by>          -> "<status> <value>"
;;   keys <store> <prefix> <after>    -> "<status> <count> <more> <key>,<key>,..."
;;   enqueue <queue> <body>           -> "<status> <job id>" (id buffer: 64 bytes)
;; Memory: 0..1023 scratch (iovecs, out-parameters, words), 1024.. texts,
;; 8192.. stdin (64 KiB), 73728.. value or page buffer (68 KiB), 143360.. output.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "gojinn" "kv_get" (func $kv_get (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "gojinn" "kv_set" (func $kv_set (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "gojinn" "kv_create" (func $kv_create (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "gojinn" "kv_update" (func $kv_update (param i32 i32 i32 i32 i32 i32 i64 i32) (result i32)))
  (import "gojinn" "kv_delete" (func $kv_delete (param i32 i32 i32 i32) (result i32)))
  (import "gojinn" "kv_increment" (func $kv_increment (param i32 i32 i32 i32 i64 i32) (result i32)))
  (import "gojinn" "kv_keys" (func $kv_keys (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "gojinn" "enqueue" (func $enqueue (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 4)
  (data (i32.const 1024) "{\"status\":200,\"body\":\"")
  (data (i32.const 1100) "\"}")
  (data (i32.const 1200) "\"body\":\"")
  (global $out (mut i32) (i32.const 143360))
  (global $words (mut i32) (i32.const 0))

  ;; read_stdin reads stdin to its end at 8192 and returns its length.
  (func $read_stdin (result i32)
    (local $total i32)
    (block $done (loop $more
      (i32.store (i32.const 0) (i32.add (i32.const 8192) (local.get $total)))
      (i32.store (i32.const 4) (i32.sub (i32.const 65536) (local.get $total)))
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
      (br_if $done (i32.eqz (i32.load (i32.const 16))))
      (local.set $total (i32.add (local.get $total) (i32.load (i32.const 16))))
      (br $more)))
    (local.get $total))

  ;; find_body returns where the body string starts (after "body":"), 0 if nowhere.
  (func $find_body (param $total i32) (result i32)
    (local $i i32)
    (block $none (loop $scan
      (br_if $none (i32.gt_s (i32.add (local.get $i) (i32.const 8)) (local.get $total)))
      (if (i64.eq (i64.load (i32.add (i32.const 8192) (local.get $i))) (i64.load (i32.const 1200)))
        (then (return (i32.add (i32.const 8200) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $scan)))
    (i32.const 0))

  ;; push records a word (at most 8): its pointer at 256+8i, its length at 260+8i.
  (func $push (param $ptr i32) (param $len i32)
    (if (i32.ge_u (global.get $words) (i32.const 8)) (then (return)))
    (if (i32.and (i32.eq (local.get $len) (i32.const 1)) (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 45)))
      (then (local.set $len (i32.const 0))))
    (i32.store (i32.add (i32.const 256) (i32.shl (global.get $words) (i32.const 3))) (local.get $ptr))
    (i32.store (i32.add (i32.const 260) (i32.shl (global.get $words) (i32.const 3))) (local.get $len))
    (global.set $words (i32.add (global.get $words) (i32.const 1))))
  (func $wp (param $i i32) (result i32) (i32.load (i32.add (i32.const 256) (i32.shl (local.get $i) (i32.const 3)))))
  (func $wl (param $i i32) (result i32) (i32.load (i32.add (i32.const 260) (i32.shl (local.get $i) (i32.const 3)))))

  ;; split cuts the body, from p to its closing quote, into words at spaces.
  (func $split (param $p i32)
    (local $start i32) (local $c i32)
    (local.set $start (local.get $p))
    (block $end (loop $next
      (local.set $c (i32.load8_u (local.get $p)))
      (if (i32.or (i32.eq (local.get $c) (i32.const 34)) (i32.eq (local.get $c) (i32.const 32)))
        (then
          (call $push (local.get $start) (i32.sub (local.get $p) (local.get $start)))
          (br_if $end (i32.eq (local.get $c) (i32.const 34)))
          (local.set $start (i32.add (local.get $p) (i32.const 1)))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $next))))

  (func $put (param $ptr i32) (param $len i32)
    (local $i i32)
    (block $done (loop $copy
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (i32.store8 (i32.add (global.get $out) (local.get $i)) (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $copy)))
    (global.set $out (i32.add (global.get $out) (local.get $len))))
  (func $putc (param $c i32)
    (i32.store8 (global.get $out) (local.get $c))
    (global.set $out (i32.add (global.get $out) (i32.const 1))))

  ;; putu writes n in decimal, unsigned.
  (func $putu (param $n i64)
    (local $p i32)
    (local.set $p (i32.const 560))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $n) (i64.const 10)))))
      (local.set $n (i64.div_u (local.get $n) (i64.const 10)))
      (br_if $digit (i64.ne (local.get $n) (i64.const 0))))
    (call $put (local.get $p) (i32.sub (i32.const 560) (local.get $p))))
  (func $puti (param $n i64)
    (if (i64.lt_s (local.get $n) (i64.const 0))
      (then (call $putc (i32.const 45)) (local.set $n (i64.sub (i64.const 0) (local.get $n)))))
    (call $putu (local.get $n)))

  ;; num reads word i as a decimal integer (optional leading '-'); 0 if absent.
  (func $num (param $i i32) (result i64)
    (local $p i32) (local $end i32) (local $n i64) (local $neg i32)
    (if (i32.ge_u (local.get $i) (global.get $words)) (then (return (i64.const 0))))
    (local.set $p (call $wp (local.get $i)))
    (local.set $end (i32.add (local.get $p) (call $wl (local.get $i))))
    (if (i32.and (i32.lt_u (local.get $p) (local.get $end)) (i32.eq (i32.load8_u (local.get $p)) (i32.const 45)))
      (then (local.set $neg (i32.const 1)) (local.set $p (i32.add (local.get $p) (i32.const 1)))))
    (block $done (loop $digit
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $n (i64.add (i64.mul (local.get $n) (i64.const 10))
        (i64.extend_i32_u (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $digit)))
    (if (result i64) (local.get $neg) (then (i64.sub (i64.const 0) (local.get $n))) (else (local.get $n))))

  ;; status writes the call's status, then a space unless it failed.
  (func $status (param $st i32) (result i32)
    (call $putu (i64.extend_i32_u (local.get $st)))
    (if (i32.eqz (local.get $st)) (then (call $putc (i32.const 32))))
    (local.get $st))

  ;; page writes a page of keys at 73728: "<count> <more> <key>,<key>,...".
  (func $page
    (local $count i32) (local $i i32) (local $p i32)
    (local.set $count (i32.load (i32.const 73728)))
    (local.set $p (i32.const 73732))
    (block $done (loop $skip
      (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
      (local.set $p (i32.add (local.get $p) (i32.add (i32.const 4) (i32.load (local.get $p)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $skip)))
    (call $putu (i64.extend_i32_u (local.get $count)))
    (call $putc (i32.const 32))
    (call $putu (i64.extend_i32_u (i32.load (local.get $p))))
    (call $putc (i32.const 32))
    (local.set $i (i32.const 0))
    (local.set $p (i32.const 73732))
    (block $done (loop $key
      (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
      (if (local.get $i) (then (call $putc (i32.const 44))))
      (call $put (i32.add (local.get $p) (i32.const 4)) (i32.load (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.add (i32.const 4) (i32.load (local.get $p)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $key))))

  (func $run
    (local $op i32)
    (local.set $op (i32.load8_u (call $wp (i32.const 0))))
    (if (i32.eq (local.get $op) (i32.const 103)) (then ;; get
      (if (i32.eqz (call $status (call $kv_get (call $wp (i32.const 1)) (call $wl (i32.const 1)) (call $wp (i32.const 2)) (call $wl (i32.const 2))
          (i32.const 73728) (i32.const 69632) (i32.const 40) (i32.const 48))))
        (then (call $put (i32.const 73728) (i32.load (i32.const 40)))))
      (return)))
    (if (i32.eq (local.get $op) (i32.const 115)) (then ;; set
      (if (i32.eqz (call $status (call $kv_set (call $wp (i32.const 1)) (call $wl (i32.const 1)) (call $wp (i32.const 2)) (call $wl (i32.const 2))
          (call $wp (i32.const 3)) (call $wl (i32.const 3)) (i32.wrap_i64 (call $num (i32.const 4))) (i32.const 48))))
        (then (call $putu (i64.load (i32.const 48)))))
      (return)))
    (if (i32.eq (local.get $op) (i32.const 99)) (then ;; create
      (if (i32.eqz (call $status (call $kv_create (call $wp (i32.const 1)) (call $wl (i32.const 1)) (call $wp (i32.const 2)) (call $wl (i32.const 2))
          (call $wp (i32.const 3)) (call $wl (i32.const 3)) (i32.wrap_i64 (call $num (i32.const 4))) (i32.const 48))))
        (then (call $putu (i64.load (i32.const 48)))))
      (return)))
    (if (i32.eq (local.get $op) (i32.const 117)) (then ;; update
      (if (i32.eqz (call $status (call $kv_update (call $wp (i32.const 1)) (call $wl (i32.const 1)) (call $wp (i32.const 2)) (call $wl (i32.const 2))
          (call $wp (i32.const 3)) (call $wl (i32.const 3)) (call $num (i32.const 4)) (i32.const 48))))
        (then (call $putu (i64.load (i32.const 48)))))
      (return)))
    (if (i32.eq (local.get $op) (i32.const 100)) (then ;; del
      (drop (call $status (call $kv_delete (call $wp (i32.const 1)) (call $wl (i32.const 1)) (call $wp (i32.const 2)) (call $wl (i32.const 2)))))
      (return)))
    (if (i32.eq (local.get $op) (i32.const 105)) (then ;; incr
      (if (i32.eqz (call $status (call $kv_increment (call $wp (i32.const 1)) (call $wl (i32.const 1)) (call $wp (i32.const 2)) (call $wl (i32.const 2))
          (call $num (i32.const 3)) (i32.const 56))))
        (then (call $puti (i64.load (i32.const 56)))))
      (return)))
    (if (i32.eq (local.get $op) (i32.const 101)) (then ;; enqueue
      (if (i32.eqz (call $status (call $enqueue (call $wp (i32.const 1)) (call $wl (i32.const 1)) (call $wp (i32.const 2)) (call $wl (i32.const 2))
          (i32.const 73728) (i32.const 64) (i32.const 40))))
        (then (call $put (i32.const 73728) (i32.load (i32.const 40)))))
      (return)))
    (if (i32.eq (local.get $op) (i32.const 107)) (then ;; keys
      (if (i32.eqz (call $status (call $kv_keys (call $wp (i32.const 1)) (call $wl (i32.const 1)) (call $wp (i32.const 2)) (call $wl (i32.const 2))
          (call $wp (i32.const 3)) (call $wl (i32.const 3)) (i32.const 73728) (i32.const 69632) (i32.const 40))))
        (then (call $page)))
      (return))))

  (func (export "_start")
    (local $body i32)
    (local.set $body (call $find_body (call $read_stdin)))
    (call $put (i32.const 1024) (i32.const 22))
    (if (local.get $body) (then
      (call $split (local.get $body))
      (call $run)))
    (call $put (i32.const 1100) (i32.const 2))
    ;; write the output: iovec at 32
    (i32.store (i32.const 32) (i32.const 143360))
    (i32.store (i32.const 36) (i32.sub (global.get $out) (i32.const 143360)))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 16))))
)
