#lang racket/base
;; every number to EOF into a file in /tmp, then read back from it
(require racket/file racket/string)
(define numbers (for/list ([x (in-port read)]) x))
(display-lines-to-file numbers "/tmp/numbers.txt" #:exists 'truncate)
(define back (map string->number (file->lines "/tmp/numbers.txt")))
(printf "~a ~a\n" (length back) (apply + back))
