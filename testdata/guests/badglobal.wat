;; badglobal: imports a global (refused at load: only functions can be imported).
(module
  (import "wasi_snapshot_preview1" "answer" (global $g i32))
  (memory (export "memory") 1)
  (func (export "_start")))
