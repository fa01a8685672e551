;; bigmemory: declares 3,000 pages (~197 MB) of initial memory, more than
;; the default memory_limit allows (refused at load).
(module
  (memory (export "memory") 3000)
  (func (export "_start"))
)
