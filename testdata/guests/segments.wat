;; segments: many active data segments, overlapping, one at a high offset
;; (its i32.const needs 3 LEB128 bytes); memory must come out the same
;; whether or not the host merges them.
(module
  (memory (export "memory") 8)
  (data (i32.const 16) "hello")
  (data (i32.const 100) "world")
  (data (i32.const 102) "RLD!")
  (data (i32.const 4096) "\00\01\02\ff")
  (data (i32.const 400000) "high")
  (func (export "_start"))
)
