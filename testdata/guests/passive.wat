;; passive: a passive data segment copied in by memory.init; the host must
;; leave its segments alone.
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "active")
  (data "passive")
  (func (export "_start")
    (memory.init 1 (i32.const 64) (i32.const 0) (i32.const 7))
    (data.drop 1))
)
