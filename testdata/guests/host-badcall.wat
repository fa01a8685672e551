;; host-badcall: imports gojinn.kv_gett, which the host ABI does not have
;; (refused at load, naming the import).
(module
  (import "gojinn" "kv_gett" (func $kv_gett (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $kv_gett (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))))
