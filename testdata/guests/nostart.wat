;; nostart: a module with no _start export (refused at load).
(module
  (memory (export "memory") 1)
  (func (export "main"))
)
