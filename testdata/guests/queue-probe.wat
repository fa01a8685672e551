;; queue-probe: writes "run " and its whole request to stderr as one line
;; (tests read the runs from the log), then answers 500 when the request holds
;; "always-fail", or "fail-until-3" and not attempt 3; else 200.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 3)
  (data (i32.const 1024) "always-fail")             ;; 11
  (data (i32.const 1100) "fail-until-3")            ;; 12
  (data (i32.const 1200) "Attempt\":[\"3\"]")        ;; 14
  (data (i32.const 1300) "\n")
  (data (i32.const 1310) "run ")
  (data (i32.const 2048) "{\"status\":200}")        ;; 14
  (data (i32.const 2100) "{\"status\":500}")        ;; 14
  (global $len (mut i32) (i32.const 0))
  ;; has: whether stdin (at 65536, $len bytes) holds the n bytes at p.
  (func $has (param $p i32) (param $n i32) (result i32)
    (local $i i32) (local $j i32)
    (block $no (loop $outer
      (br_if $no (i32.gt_s (i32.add (local.get $i) (local.get $n)) (global.get $len)))
      (local.set $j (i32.const 0))
      (block $miss (loop $inner
        (if (i32.eq (local.get $j) (local.get $n)) (then (return (i32.const 1))))
        (br_if $miss (i32.ne
          (i32.load8_u (i32.add (i32.const 65536) (i32.add (local.get $i) (local.get $j))))
          (i32.load8_u (i32.add (local.get $p) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $inner)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $outer)))
    (i32.const 0))
  (func $write (param $fd i32) (param $p i32) (param $n i32)
    (i32.store (i32.const 32) (local.get $p))
    (i32.store (i32.const 36) (local.get $n))
    (drop (call $fd_write (local.get $fd) (i32.const 32) (i32.const 1) (i32.const 48))))
  (func (export "_start")
    ;; read stdin to EOF into 65536..196608: iovec at 0, nread at 16
    (block $done (loop $read
      (i32.store (i32.const 0) (i32.add (i32.const 65536) (global.get $len)))
      (i32.store (i32.const 4) (i32.sub (i32.const 131072) (global.get $len)))
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
      (br_if $done (i32.eqz (i32.load (i32.const 16))))
      (global.set $len (i32.add (global.get $len) (i32.load (i32.const 16))))
      (br $read)))
    (call $write (i32.const 2) (i32.const 1310) (i32.const 4))
    (call $write (i32.const 2) (i32.const 65536) (global.get $len))
    (call $write (i32.const 2) (i32.const 1300) (i32.const 1))
    (if (i32.or (call $has (i32.const 1024) (i32.const 11))
                (i32.and (call $has (i32.const 1100) (i32.const 12))
                         (i32.eqz (call $has (i32.const 1200) (i32.const 14)))))
      (then (call $write (i32.const 1) (i32.const 2100) (i32.const 14)))
      (else (call $write (i32.const 1) (i32.const 2048) (i32.const 14)))))
)
