;; host-badptr: calls the host with pointers outside its memory (one page,
;; 64 KiB) and answers 200 with the statuses it got, as "<a> <b> <c> <d>":
;; kv_get with the store name outside memory, kv_set with the value
;; running past the end, kv_get with len_out outside memory, and fetch
;; with the request outside memory (each should be 5, invalid); host_log
;; with a bad pointer in between, which has no status and must do nothing.
(module
  (import "gojinn" "kv_get" (func $kv_get (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "gojinn" "kv_set" (func $kv_set (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "gojinn" "fetch" (func $fetch (param i32 i32 i32 i32 i32) (result i32)))
  (import "gojinn" "host_log" (func $host_log (param i32 i32 i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 100: the store name "s"; 104: the key "k"; 200: the answer.
  (data (i32.const 100) "s")
  (data (i32.const 104) "k")
  (data (i32.const 200) "{\"status\":200,\"body\":\"? ? ? ?\"}")

  ;; put writes status st as one digit (0-9, else 'X') at the answer's slot i.
  (func $put (param $i i32) (param $st i32)
    (i32.store8 (i32.add (i32.const 222) (i32.mul (local.get $i) (i32.const 2)))
      (select (i32.add (i32.const 48) (local.get $st)) (i32.const 88) (i32.lt_u (local.get $st) (i32.const 10)))))

  (func (export "_start")
    ;; read stdin to EOF (into 1024..)
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 8192))
    (block $done (loop $read
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
      (br_if $done (i32.eqz (i32.load (i32.const 16))))
      (br $read)))
    ;; store name at 0xFFFFFFF0
    (call $put (i32.const 0) (call $kv_get (i32.const 0xFFFFFFF0) (i32.const 1) (i32.const 104) (i32.const 1)
      (i32.const 300) (i32.const 16) (i32.const 320) (i32.const 328)))
    (call $host_log (i32.const 3) (i32.const 65000) (i32.const 10000))
    ;; value from 65530, 100 bytes: past the end of memory
    (call $put (i32.const 1) (call $kv_set (i32.const 100) (i32.const 1) (i32.const 104) (i32.const 1)
      (i32.const 65530) (i32.const 100) (i32.const 0) (i32.const 328)))
    ;; len_out at 65535: its 4 bytes cross the end
    (call $put (i32.const 2) (call $kv_get (i32.const 100) (i32.const 1) (i32.const 104) (i32.const 1)
      (i32.const 300) (i32.const 16) (i32.const 65535) (i32.const 328)))
    ;; the fetch request at 0x7FFFFFFF
    (call $put (i32.const 3) (call $fetch (i32.const 0x7FFFFFFF) (i32.const 10) (i32.const 0) (i32.const 0) (i32.const 340)))
    ;; write the answer (200..230)
    (i32.store (i32.const 32) (i32.const 200))
    (i32.store (i32.const 36) (i32.const 31))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 40)))))
