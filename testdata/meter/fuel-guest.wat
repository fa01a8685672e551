;; fuel-guest: a WASI guest whose fuel depends on its request, for the
;; fuel vectors (fuel-vectors.json) that the Go host (sandbox/meter) and the
;; TypeScript harness (invoke) must both reproduce. It reads its whole
;; request, counts the quote characters in it (a loop with a branch on each
;; byte), computes fib(length mod 12) recursively, picks one of three paths
;; with br_table, and answers 200.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 1024) "{\"status\":200,\"body\":\"ok\"}")
  (global $quotes (mut i32) (i32.const 0))
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "_start") (local $len i32) (local $i i32) (local $r i32)
    ;; read everything into 4096.. (iovec at 0, nread at 16)
    (block $done (loop $read
      (i32.store (i32.const 0) (i32.add (i32.const 4096) (local.get $len)))
      (i32.store (i32.const 4) (i32.sub (i32.const 61440) (local.get $len)))
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
      (br_if $done (i32.eqz (i32.load (i32.const 16))))
      (local.set $len (i32.add (local.get $len) (i32.load (i32.const 16))))
      (br $read)))
    (block $counted (loop $count
      (br_if $counted (i32.ge_u (local.get $i) (local.get $len)))
      (if (i32.eq (i32.load8_u (i32.add (i32.const 4096) (local.get $i))) (i32.const 34))
        (then (global.set $quotes (i32.add (global.get $quotes) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $count)))
    (local.set $r (call $fib (i32.rem_u (local.get $len) (i32.const 12))))
    (block $c (block $b (block $a
      (br_table $a $b $c (i32.rem_u (local.get $len) (i32.const 3))))
      (local.set $r (i32.add (local.get $r) (i32.const 1))))
      (local.set $r (i32.mul (local.get $r) (i32.const 3))))
    (i32.store (i32.const 2048) (local.get $r))
    (i32.store (i32.const 32) (i32.const 1024))
    (i32.store (i32.const 36) (i32.const 26))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 48))))
)
