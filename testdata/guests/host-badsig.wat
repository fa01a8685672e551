;; host-badsig: imports gojinn.host_log with a result it does not have
;; (refused at load, naming the import).
(module
  (import "gojinn" "host_log" (func $host_log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (drop (call $host_log (i32.const 1) (i32.const 0) (i32.const 0)))))
