;; badimport: imports a function that is not WASI (refused at load).
(module
  (import "env" "secret" (func $secret))
  (memory (export "memory") 1)
  (func (export "_start") (call $secret))
)
