;; badmemory: imports its memory instead of declaring it (refused at load).
(module
  (import "env" "memory" (memory 1))
  (func (export "_start")))
