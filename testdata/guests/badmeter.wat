;; badmeter: imports the meter's reserved refuel function itself. Refused at
;; load: metering adds that import, and a guest must not provide its own.
(module
  (import "gojinn_meter" "refuel" (func $refuel (param i64) (result i64)))
  (memory (export "memory") 1)
  (func (export "_start")))
