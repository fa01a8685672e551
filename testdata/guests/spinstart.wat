;; spinstart: a module whose start section (run at instantiation, before
;; _start) spins forever. Its instantiation must be bounded like a run.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $spin (loop $forever (br $forever)))
  (start $spin)
  (func (export "_start")))
