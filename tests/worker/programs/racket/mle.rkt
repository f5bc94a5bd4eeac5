#lang racket/base
;; 1 GiB of byte strings, filled and kept
(define blocks (for/list ([i 1024]) (make-bytes (* 1024 1024) (modulo i 256))))
(displayln (length blocks))
