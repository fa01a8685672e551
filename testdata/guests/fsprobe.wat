;; fsprobe: the mounts' test guest. The request's URI says what to do, with
;; <fd> one digit (3 is the first mount) and <path> passed to WASI as it is:
;;   /r/<fd>/<path>  open <path> under <fd>, following symlinks; answer its content
;;   /w/<fd>/<path>  create or truncate <path> and write "written" into it
;;   /o/<fd>/<path>  open <path> and leave it open; answer the new descriptor
;;   /p/<fd>/        read from descriptor <fd>, opening nothing
;; A failing WASI call answers 400 + its errno: 463 EPERM, 444 ENOENT,
;; 469 EROFS, 408 EBADF, 432 ELOOP.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 256) "\"uri\":\"")
  (data (i32.const 272) "{\"status\":")
  (data (i32.const 288) ",\"body\":\"")
  (data (i32.const 304) "\"}")
  (data (i32.const 320) "written")
  ;; stdin at 8192 (up to 8 KiB), file contents at 20480, the answer at 32768
  (global $len (mut i32) (i32.const 0))
  (global $out (mut i32) (i32.const 32768))

  (func $readStdin
    (block $done (loop $read
      (i32.store (i32.const 0) (i32.add (i32.const 8192) (global.get $len)))
      (i32.store (i32.const 4) (i32.sub (i32.const 8192) (global.get $len)))
      (br_if $done (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)))
      (br_if $done (i32.eqz (i32.load (i32.const 16))))
      (global.set $len (i32.add (global.get $len) (i32.load (i32.const 16))))
      (br_if $done (i32.ge_u (global.get $len) (i32.const 8192)))
      (br $read))))

  ;; the offset just after `"uri":"` in stdin, or -1
  (func $uri (result i32)
    (local $i i32) (local $j i32)
    (local.set $i (i32.const 8192))
    (block $none (loop $scan
      (br_if $none (i32.gt_s (i32.add (local.get $i) (i32.const 7)) (i32.add (i32.const 8192) (global.get $len))))
      (local.set $j (i32.const 0))
      (block $differs (loop $cmp
        (if (i32.eq (local.get $j) (i32.const 7)) (then (return (i32.add (local.get $i) (i32.const 7)))))
        (br_if $differs (i32.ne (i32.load8_u (i32.add (local.get $i) (local.get $j)))
                                (i32.load8_u (i32.add (i32.const 256) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $cmp)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $scan)))
    (i32.const -1))

  (func $put (param $p i32) (param $n i32)
    (block $done (loop $copy
      (br_if $done (i32.eqz (local.get $n)))
      (i32.store8 (global.get $out) (i32.load8_u (local.get $p)))
      (global.set $out (i32.add (global.get $out) (i32.const 1)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $copy))))

  (func $respond (param $status i32) (param $body i32) (param $n i32)
    (global.set $out (i32.const 32768))
    (call $put (i32.const 272) (i32.const 10))
    (i32.store8 (global.get $out) (i32.add (i32.const 48) (i32.div_u (local.get $status) (i32.const 100))))
    (i32.store8 (i32.add (global.get $out) (i32.const 1))
      (i32.add (i32.const 48) (i32.rem_u (i32.div_u (local.get $status) (i32.const 10)) (i32.const 10))))
    (i32.store8 (i32.add (global.get $out) (i32.const 2)) (i32.add (i32.const 48) (i32.rem_u (local.get $status) (i32.const 10))))
    (global.set $out (i32.add (global.get $out) (i32.const 3)))
    (call $put (i32.const 288) (i32.const 9))
    (call $put (local.get $body) (local.get $n))
    (call $put (i32.const 304) (i32.const 2))
    (i32.store (i32.const 32) (i32.const 32768))
    (i32.store (i32.const 36) (i32.sub (global.get $out) (i32.const 32768)))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 48))))

  (func $fail (param $errno i32)
    (call $respond (i32.add (i32.const 400) (local.get $errno)) (i32.const 0) (i32.const 0)))

  ;; answers up to 4 KiB read from fd
  (func $answerContent (param $fd i32)
    (local $errno i32)
    (i32.store (i32.const 0) (i32.const 20480))
    (i32.store (i32.const 4) (i32.const 4096))
    (local.set $errno (call $fd_read (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 16)))
    (if (local.get $errno) (then (call $fail (local.get $errno)) (return)))
    (call $respond (i32.const 200) (i32.const 20480) (i32.load (i32.const 16))))

  (func (export "_start")
    (local $u i32) (local $op i32) (local $dir i32) (local $p i32) (local $n i32) (local $c i32)
    (local $errno i32) (local $fd i32)
    (call $readStdin)
    (local.set $u (call $uri))
    (if (i32.lt_s (local.get $u) (i32.const 0)) (then (call $fail (i32.const 0)) (return)))
    (local.set $op (i32.load8_u (i32.add (local.get $u) (i32.const 1))))
    (local.set $dir (i32.sub (i32.load8_u (i32.add (local.get $u) (i32.const 3))) (i32.const 48)))
    (local.set $p (i32.add (local.get $u) (i32.const 5)))
    (block $end (loop $scan
      (local.set $c (i32.load8_u (i32.add (local.get $p) (local.get $n))))
      (br_if $end (i32.or (i32.eq (local.get $c) (i32.const 34)) (i32.eq (local.get $c) (i32.const 63))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $scan)))
    (if (i32.eq (local.get $op) (i32.const 112)) ;; p
      (then (call $answerContent (local.get $dir)) (return)))
    ;; symlinks followed; w: O_CREAT|O_TRUNC with the write right, else the read right
    (local.set $errno (call $path_open (local.get $dir) (i32.const 1) (local.get $p) (local.get $n)
      (select (i32.const 9) (i32.const 0) (i32.eq (local.get $op) (i32.const 119)))
      (select (i64.const 64) (i64.const 2) (i32.eq (local.get $op) (i32.const 119)))
      (i64.const 0) (i32.const 0) (i32.const 24)))
    (if (local.get $errno) (then (call $fail (local.get $errno)) (return)))
    (local.set $fd (i32.load (i32.const 24)))
    (if (i32.eq (local.get $op) (i32.const 111)) ;; o: left open
      (then
        (i32.store8 (i32.const 400) (i32.add (i32.const 48) (local.get $fd)))
        (call $respond (i32.const 200) (i32.const 400) (i32.const 1))
        (return)))
    (if (i32.eq (local.get $op) (i32.const 119)) ;; w
      (then
        (i32.store (i32.const 0) (i32.const 320))
        (i32.store (i32.const 4) (i32.const 7))
        (local.set $errno (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 16)))
        (drop (call $fd_close (local.get $fd)))
        (if (local.get $errno) (then (call $fail (local.get $errno)) (return)))
        (call $respond (i32.const 200) (i32.const 0) (i32.const 0))
        (return)))
    (call $answerContent (local.get $fd))
    (drop (call $fd_close (local.get $fd)))))
