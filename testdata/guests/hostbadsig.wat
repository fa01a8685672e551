;; hostbadsig: imports testhost.see with another signature (refused at
;; load, naming the import).
(module
  (import "testhost" "see" (func $see (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (drop (call $see))))
