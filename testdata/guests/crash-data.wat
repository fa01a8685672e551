;; crash-data: a guest that fails on its data, not its request. It asks
;; the database "main" for `SELECT note FROM flags WHERE boom = 1` and the
;; object store "media" for the head of "flags/boom", and traps when the
;; query has a row and the object exists; otherwise (no such table or row,
;; no such object, no grant) it answers 200 "calm".
(module
  (import "gojinn" "sql_query" (func $sql_query (param i32 i32 i32) (result i32)))
  (import "gojinn" "object_head" (func $object_head (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "{\"db\":\"main\",\"sql\":\"SELECT note FROM flags WHERE boom = 1\"}")
  (data (i32.const 1200) "{\"store\":\"media\",\"key\":\"flags/boom\"}")
  (data (i32.const 1300) "{\"status\":200,\"body\":\"calm\"}")
  (func (export "_start")
    (local $row i32)
    ;; a row: ok (0) and more than the 30 bytes of {"columns":["note"],"rows":[]}
    (local.set $row (i32.and
      (i32.eqz (call $sql_query (i32.const 1024) (i32.const 59) (i32.const 64)))
      (i32.gt_u (i32.load (i32.const 68)) (i32.const 30))))
    (if (i32.and (local.get $row)
          (i32.eqz (call $object_head (i32.const 1200) (i32.const 36) (i32.const 80))))
      (then unreachable))
    (i32.store (i32.const 32) (i32.const 1300))
    (i32.store (i32.const 36) (i32.const 28))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 48))))
)
