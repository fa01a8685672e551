;; dirty: checks that its memory starts zeroed (also pages it grows), then
;; dirties it. Answers "clean" or "dirty": always "clean" when no memory is
;; ever handed over from one run to another.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "{\"status\":200,\"body\":\"clean\"}")
  (func $check (param $from i32) (param $to i32) (result i32)
    ;; 1 when any byte in [from, to) is not zero
    (block $found (loop $scan
      (br_if $found (i32.load8_u (local.get $from)))
      (local.set $from (i32.add (local.get $from) (i32.const 1)))
      (br_if $scan (i32.lt_u (local.get $from) (local.get $to)))
      (return (i32.const 0))))
    (i32.const 1))
  (func $fill (param $from i32) (param $to i32)
    (loop $more
      (i32.store8 (local.get $from) (i32.const 0xAB))
      (local.set $from (i32.add (local.get $from) (i32.const 1)))
      (br_if $more (i32.lt_u (local.get $from) (local.get $to)))))
  (func (export "_start") (local $dirty i32)
    ;; read stdin to EOF into 8192..16384
    (i32.store (i32.const 0) (i32.const 8192))
    (i32.store (i32.const 4) (i32.const 8192))
    (block $done (loop $read
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
      (br_if $done (i32.eqz (i32.load (i32.const 16))))
      (br $read)))
    (local.set $dirty (call $check (i32.const 16384) (i32.const 65536)))
    (call $fill (i32.const 16384) (i32.const 65536))
    (drop (memory.grow (i32.const 3)))
    (local.set $dirty (i32.or (local.get $dirty) (call $check (i32.const 65536) (i32.const 262144))))
    (call $fill (i32.const 65536) (i32.const 262144))
    (if (local.get $dirty) (then
      (i32.store8 (i32.const 1046) (i32.const 100)) ;; d
      (i32.store8 (i32.const 1047) (i32.const 105)) ;; i
      (i32.store8 (i32.const 1048) (i32.const 114)) ;; r
      (i32.store8 (i32.const 1049) (i32.const 116)) ;; t
      (i32.store8 (i32.const 1050) (i32.const 121)))) ;; y
    (i32.store (i32.const 32) (i32.const 1024))
    (i32.store (i32.const 36) (i32.const 29))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 48))))
)
