;; kv-count: adds 1 to a key of the store "count" (kv_increment) and answers
;; 200, or 500 when the increment failed (so a queue retries the job). The
;; key is the request's body (no quotes or backslashes); when the body is
;; empty, the X-Gojinn-Scheduled-At header's value (a schedule's tick), else
;; "tick": a queue's or a schedule's runs, counted across a cluster.
;; Memory: 0..63 scratch, 1024.. texts, 8192.. stdin (64 KiB).
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "gojinn" "kv_increment" (func $kv_increment (param i32 i32 i32 i32 i64 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 1024) "count")
  (data (i32.const 1040) "tick")
  (data (i32.const 1100) "{\"status\":200}")
  (data (i32.const 1200) "{\"status\":500}")
  (data (i32.const 1300) "\"body\":\"")                ;; 8
  (data (i32.const 1400) "Scheduled-At\":[\"")          ;; 16

  ;; after returns where the n bytes at p end in stdin (total bytes at
  ;; 8192), 0 if they are nowhere.
  (func $after (param $total i32) (param $p i32) (param $n i32) (result i32)
    (local $i i32) (local $j i32)
    (block $none (loop $scan
      (br_if $none (i32.gt_s (i32.add (local.get $i) (local.get $n)) (local.get $total)))
      (local.set $j (i32.const 0))
      (block $miss (loop $cmp
        (if (i32.eq (local.get $j) (local.get $n))
          (then (return (i32.add (i32.const 8192) (i32.add (local.get $i) (local.get $n))))))
        (br_if $miss (i32.ne (i32.load8_u (i32.add (i32.const 8192) (i32.add (local.get $i) (local.get $j))))
                             (i32.load8_u (i32.add (local.get $p) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $cmp)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $scan)))
    (i32.const 0))

  ;; quoted is the length of the text at p up to its closing quote (0 for
  ;; none, or p 0).
  (func $quoted (param $p i32) (result i32)
    (local $n i32)
    (if (i32.eqz (local.get $p)) (then (return (i32.const 0))))
    (block $end (loop $char
      (br_if $end (i32.eq (i32.load8_u (i32.add (local.get $p) (local.get $n))) (i32.const 34)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $char)))
    (local.get $n))

  (func (export "_start")
    (local $total i32) (local $i i32) (local $key i32) (local $len i32) (local $resp i32)
    ;; read stdin to its end at 8192
    (block $done (loop $more
      (i32.store (i32.const 0) (i32.add (i32.const 8192) (local.get $total)))
      (i32.store (i32.const 4) (i32.sub (i32.const 65536) (local.get $total)))
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
      (br_if $done (i32.eqz (i32.load (i32.const 16))))
      (local.set $total (i32.add (local.get $total) (i32.load (i32.const 16))))
      (br $more)))
    ;; the key: the body, else the tick, else "tick"
    (local.set $key (i32.const 1040))
    (local.set $len (i32.const 4))
    (local.set $i (call $after (local.get $total) (i32.const 1300) (i32.const 8)))
    (if (i32.eqz (call $quoted (local.get $i)))
      (then (local.set $i (call $after (local.get $total) (i32.const 1400) (i32.const 16)))))
    (if (call $quoted (local.get $i))
      (then (local.set $key (local.get $i)) (local.set $len (call $quoted (local.get $i)))))
    (local.set $resp (i32.const 1200))
    (if (i32.eqz (call $kv_increment (i32.const 1024) (i32.const 5) (local.get $key) (local.get $len) (i64.const 1) (i32.const 32)))
      (then (local.set $resp (i32.const 1100))))
    (i32.store (i32.const 40) (local.get $resp))
    (i32.store (i32.const 44) (i32.const 14))
    (drop (call $fd_write (i32.const 1) (i32.const 40) (i32.const 1) (i32.const 48))))
)
