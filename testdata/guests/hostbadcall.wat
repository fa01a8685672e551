;; hostbadcall: imports a function the testhost module does not have
;; (refused at load, naming the import).
(module
  (import "testhost" "nope" (func $nope))
  (memory (export "memory") 1)
  (func (export "_start") (call $nope)))
