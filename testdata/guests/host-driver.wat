;; host-driver: runs a program of gojinn host calls given in its request
;; body (hex), and answers 200 with what they produced (hex). It lets the
;; host package's tests and contract/host's vectors drive every function
;; of the host ABI (docs/host-abi.md) from a real guest, with any
;; arguments, good or bad. Fields are little-endian; the program is a
;; sequence of operations, each a u32 op then its fields:
;;   1 write  addr u32, len u32, bytes   copy the bytes to memory at addr
;;   2 fill   addr u32, len u32, byte u32 fill memory with a byte
;;   3 dump   addr u32, len u32          output len bytes of memory at addr
;;   4 grow   pages u32                  memory.grow
;;   5 call   fn u32, one u64 per param  call function fn (the order of
;;            docs/host-abi.md: 0 host_log ... 13 ai_chat, 14 sql_query,
;;            15 sql_exec, 16 object_get ... 20 object_list), output
;;            its status as a u32 (host_log: 0)
;; Memory: 0x10000..0x100000 and anything grown past 0x300000 are the
;; program's; the rest is the driver's (stdin at 0x200000, output at
;; 0x100000, its hex at 0x180000).
(module
  (import "gojinn" "host_log" (func $host_log (param i32 i32 i32)))
  (import "gojinn" "kv_get" (func $kv_get (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "gojinn" "kv_set" (func $kv_set (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "gojinn" "kv_create" (func $kv_create (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "gojinn" "kv_update" (func $kv_update (param i32 i32 i32 i32 i32 i32 i64 i32) (result i32)))
  (import "gojinn" "kv_delete" (func $kv_delete (param i32 i32 i32 i32) (result i32)))
  (import "gojinn" "kv_increment" (func $kv_increment (param i32 i32 i32 i32 i64 i32) (result i32)))
  (import "gojinn" "kv_keys" (func $kv_keys (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "gojinn" "fetch" (func $fetch (param i32 i32 i32 i32 i32) (result i32)))
  (import "gojinn" "fetch_head" (func $fetch_head (param i32 i32 i32 i32) (result i32)))
  (import "gojinn" "fetch_body" (func $fetch_body (param i32 i32 i32 i32) (result i32)))
  (import "gojinn" "fetch_close" (func $fetch_close (param i32) (result i32)))
  (import "gojinn" "enqueue" (func $enqueue (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "gojinn" "ai_chat" (func $ai_chat (param i32 i32 i32) (result i32)))
  (import "gojinn" "sql_query" (func $sql_query (param i32 i32 i32) (result i32)))
  (import "gojinn" "sql_exec" (func $sql_exec (param i32 i32 i32) (result i32)))
  (import "gojinn" "object_get" (func $object_get (param i32 i32 i32) (result i32)))
  (import "gojinn" "object_head" (func $object_head (param i32 i32 i32) (result i32)))
  (import "gojinn" "object_put" (func $object_put (param i32 i32 i32 i32) (result i32)))
  (import "gojinn" "object_delete" (func $object_delete (param i32 i32) (result i32)))
  (import "gojinn" "object_list" (func $object_list (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 48)
  (data (i32.const 1024) "{\"status\":200,\"body\":\"")
  (data (i32.const 1100) "\"}")
  (global $pc (mut i32) (i32.const 0))
  (global $out (mut i32) (i32.const 0x100000))

  ;; the program's next u32, and its next u64 as an i32 or i64 argument
  (func $u32 (result i32) (local $v i32)
    (local.set $v (i32.load (global.get $pc)))
    (global.set $pc (i32.add (global.get $pc) (i32.const 4)))
    (local.get $v))
  (func $i64 (result i64) (local $v i64)
    (local.set $v (i64.load (global.get $pc)))
    (global.set $pc (i32.add (global.get $pc) (i32.const 8)))
    (local.get $v))
  (func $i32 (result i32) (i32.wrap_i64 (call $i64)))
  (func $emit (param $v i32)
    (i32.store (global.get $out) (local.get $v))
    (global.set $out (i32.add (global.get $out) (i32.const 4))))
  (func $unhex (param $c i32) (result i32)
    (if (result i32) (i32.le_u (local.get $c) (i32.const 57))
      (then (i32.sub (local.get $c) (i32.const 48)))
      (else (i32.sub (i32.or (local.get $c) (i32.const 32)) (i32.const 87)))))
  (func $hex (param $d i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $d) (i32.const 10))
      (then (i32.add (local.get $d) (i32.const 48)))
      (else (i32.add (local.get $d) (i32.const 87)))))

  (func $call (param $fn i32) (result i32)
    (if (i32.eqz (local.get $fn)) (then
      (call $host_log (call $i32) (call $i32) (call $i32))
      (return (i32.const 0))))
    (if (i32.eq (local.get $fn) (i32.const 1)) (then (return
      (call $kv_get (call $i32) (call $i32) (call $i32) (call $i32) (call $i32) (call $i32) (call $i32) (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 2)) (then (return
      (call $kv_set (call $i32) (call $i32) (call $i32) (call $i32) (call $i32) (call $i32) (call $i32) (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 3)) (then (return
      (call $kv_create (call $i32) (call $i32) (call $i32) (call $i32) (call $i32) (call $i32) (call $i32) (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 4)) (then (return
      (call $kv_update (call $i32) (call $i32) (call $i32) (call $i32) (call $i32) (call $i32) (call $i64) (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 5)) (then (return
      (call $kv_delete (call $i32) (call $i32) (call $i32) (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 6)) (then (return
      (call $kv_increment (call $i32) (call $i32) (call $i32) (call $i32) (call $i64) (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 7)) (then (return
      (call $kv_keys (call $i32) (call $i32) (call $i32) (call $i32) (call $i32) (call $i32) (call $i32) (call $i32) (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 8)) (then (return
      (call $fetch (call $i32) (call $i32) (call $i32) (call $i32) (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 9)) (then (return
      (call $fetch_head (call $i32) (call $i32) (call $i32) (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 10)) (then (return
      (call $fetch_body (call $i32) (call $i32) (call $i32) (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 11)) (then (return
      (call $fetch_close (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 12)) (then (return
      (call $enqueue (call $i32) (call $i32) (call $i32) (call $i32) (call $i32) (call $i32) (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 13)) (then (return
      (call $ai_chat (call $i32) (call $i32) (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 14)) (then (return
      (call $sql_query (call $i32) (call $i32) (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 15)) (then (return
      (call $sql_exec (call $i32) (call $i32) (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 16)) (then (return
      (call $object_get (call $i32) (call $i32) (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 17)) (then (return
      (call $object_head (call $i32) (call $i32) (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 18)) (then (return
      (call $object_put (call $i32) (call $i32) (call $i32) (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 19)) (then (return
      (call $object_delete (call $i32) (call $i32)))))
    (if (i32.eq (local.get $fn) (i32.const 20)) (then (return
      (call $object_list (call $i32) (call $i32) (call $i32)))))
    (unreachable))

  (func (export "_start")
    (local $end i32) (local $p i32) (local $q i32) (local $op i32) (local $addr i32) (local $len i32)
    ;; stdin into 0x200000..0x300000
    (local.set $end (i32.const 0x200000))
    (block $done (loop $read
      (i32.store (i32.const 0) (local.get $end))
      (i32.store (i32.const 4) (i32.sub (i32.const 0x300000) (local.get $end)))
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
      (br_if $done (i32.eqz (i32.load (i32.const 16))))
      (local.set $end (i32.add (local.get $end) (i32.load (i32.const 16))))
      (br $read)))
    ;; the body's hex follows "body":" ; decode it in place
    (local.set $p (i32.const 0x200000))
    (block $found (loop $scan
      (br_if $found (i64.eq (i64.load (local.get $p)) (i64.const 0x223a2279646f6222)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $scan (i32.lt_u (local.get $p) (local.get $end)))
      (unreachable)))
    (local.set $p (i32.add (local.get $p) (i32.const 8)))
    (local.set $q (i32.const 0x200000))
    (block $decoded (loop $unhexing
      (br_if $decoded (i32.eq (i32.load8_u (local.get $p)) (i32.const 34)))
      (i32.store8 (local.get $q) (i32.or
        (i32.shl (call $unhex (i32.load8_u (local.get $p))) (i32.const 4))
        (call $unhex (i32.load8_u offset=1 (local.get $p)))))
      (local.set $p (i32.add (local.get $p) (i32.const 2)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $unhexing)))
    ;; run the program
    (global.set $pc (i32.const 0x200000))
    (block $stop (loop $next
      (br_if $stop (i32.ge_u (global.get $pc) (local.get $q)))
      (local.set $op (call $u32))
      (if (i32.eq (local.get $op) (i32.const 1)) (then
        (local.set $addr (call $u32))
        (local.set $len (call $u32))
        (memory.copy (local.get $addr) (global.get $pc) (local.get $len))
        (global.set $pc (i32.add (global.get $pc) (local.get $len)))))
      (if (i32.eq (local.get $op) (i32.const 2)) (then
        (local.set $addr (call $u32))
        (local.set $len (call $u32))
        (memory.fill (local.get $addr) (call $u32) (local.get $len))))
      (if (i32.eq (local.get $op) (i32.const 3)) (then
        (local.set $addr (call $u32))
        (local.set $len (call $u32))
        (memory.copy (global.get $out) (local.get $addr) (local.get $len))
        (global.set $out (i32.add (global.get $out) (local.get $len)))))
      (if (i32.eq (local.get $op) (i32.const 4)) (then
        (drop (memory.grow (call $u32)))))
      (if (i32.eq (local.get $op) (i32.const 5)) (then
        (call $emit (call $call (call $u32)))))
      (br $next)))
    ;; answer with the output in hex
    (local.set $p (i32.const 0x100000))
    (local.set $q (i32.const 0x180000))
    (block $encoded (loop $hexing
      (br_if $encoded (i32.ge_u (local.get $p) (global.get $out)))
      (i32.store8 (local.get $q) (call $hex (i32.shr_u (i32.load8_u (local.get $p)) (i32.const 4))))
      (i32.store8 offset=1 (local.get $q) (call $hex (i32.and (i32.load8_u (local.get $p)) (i32.const 15))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $q (i32.add (local.get $q) (i32.const 2)))
      (br $hexing)))
    (i32.store (i32.const 32) (i32.const 1024))
    (i32.store (i32.const 36) (i32.const 22))
    (i32.store (i32.const 40) (i32.const 0x180000))
    (i32.store (i32.const 44) (i32.sub (local.get $q) (i32.const 0x180000)))
    (i32.store (i32.const 48) (i32.const 1100))
    (i32.store (i32.const 52) (i32.const 2))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 3) (i32.const 64))))
)
