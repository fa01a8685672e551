;; objects-do: makes one object_* call (docs/host-abi.md) that its request
;; body (hex) describes, and answers 200 with what it got (hex). Input:
;;   u8 op (0 object_get, 1 object_head, 2 object_put, 3 object_delete,
;;   4 object_list), u32 request length, the request JSON, then (put) the
;;   object's bytes.
;; Output: u32 status, u32 head length, the head, u32 body length, the
;; body; head and body read with fetch_head and fetch_body when the call
;; gave a handle, else empty. Little-endian. Memory: stdin at 0x200000
;; (1 MiB), output at 0x100000 (at most 256 KiB), its hex at 0x180000.
(module
  (import "gojinn" "fetch_head" (func $fetch_head (param i32 i32 i32 i32) (result i32)))
  (import "gojinn" "fetch_body" (func $fetch_body (param i32 i32 i32 i32) (result i32)))
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

  (func $unhex (param $c i32) (result i32)
    (if (result i32) (i32.le_u (local.get $c) (i32.const 57))
      (then (i32.sub (local.get $c) (i32.const 48)))
      (else (i32.sub (i32.or (local.get $c) (i32.const 32)) (i32.const 87)))))
  (func $hex (param $d i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $d) (i32.const 10))
      (then (i32.add (local.get $d) (i32.const 48)))
      (else (i32.add (local.get $d) (i32.const 87)))))

  ;; part reads the handle's head (fn 0) or body (fn 1) to $at + 4 and
  ;; its length to $at; it returns where the next part goes.
  (func $part (param $fn i32) (param $handle i32) (param $len i32) (param $at i32) (result i32)
    (i32.store (local.get $at) (i32.const 0))
    (if (local.get $handle) (then
      (if (local.get $fn)
        (then (drop (call $fetch_body (local.get $handle) (i32.add (local.get $at) (i32.const 4)) (local.get $len) (local.get $at))))
        (else (drop (call $fetch_head (local.get $handle) (i32.add (local.get $at) (i32.const 4)) (local.get $len) (local.get $at)))))))
    (i32.add (i32.add (local.get $at) (i32.const 4)) (i32.load (local.get $at))))

  (func (export "_start")
    (local $end i32) (local $p i32) (local $q i32) (local $op i32) (local $req i32) (local $reqLen i32)
    (local $status i32) (local $handle i32)
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
    ;; the call; out (handle, head length, body length) at 0x100
    (local.set $op (i32.load8_u (i32.const 0x200000)))
    (local.set $reqLen (i32.load (i32.const 0x200001)))
    (local.set $req (i32.const 0x200005))
    (i64.store (i32.const 0x100) (i64.const 0))
    (i32.store (i32.const 0x108) (i32.const 0))
    (if (i32.eq (local.get $op) (i32.const 0)) (then
      (local.set $status (call $object_get (local.get $req) (local.get $reqLen) (i32.const 0x100)))))
    (if (i32.eq (local.get $op) (i32.const 1)) (then
      (local.set $status (call $object_head (local.get $req) (local.get $reqLen) (i32.const 0x100)))))
    (if (i32.eq (local.get $op) (i32.const 2)) (then
      (local.set $status (call $object_put (local.get $req) (local.get $reqLen)
        (i32.add (local.get $req) (local.get $reqLen))
        (i32.sub (local.get $q) (i32.add (local.get $req) (local.get $reqLen)))))))
    (if (i32.eq (local.get $op) (i32.const 3)) (then
      (local.set $status (call $object_delete (local.get $req) (local.get $reqLen)))))
    (if (i32.eq (local.get $op) (i32.const 4)) (then
      (local.set $status (call $object_list (local.get $req) (local.get $reqLen) (i32.const 0x100)))))
    (if (local.get $status) (then (i32.store (i32.const 0x100) (i32.const 0))))
    (local.set $handle (i32.load (i32.const 0x100)))
    ;; the output: status, head, body
    (i32.store (i32.const 0x100000) (local.get $status))
    (local.set $end (call $part (i32.const 0) (local.get $handle) (i32.load (i32.const 0x104)) (i32.const 0x100004)))
    (local.set $end (call $part (i32.const 1) (local.get $handle) (i32.load (i32.const 0x108)) (local.get $end)))
    ;; answer with the output in hex
    (local.set $p (i32.const 0x100000))
    (local.set $q (i32.const 0x180000))
    (block $encoded (loop $hexing
      (br_if $encoded (i32.ge_u (local.get $p) (local.get $end)))
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
