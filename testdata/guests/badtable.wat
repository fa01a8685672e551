;; badtable: imports a table (refused at load: only functions can be imported).
(module
  (import "env" "table" (table 1 funcref))
  (memory (export "memory") 1)
  (func (export "_start")))
