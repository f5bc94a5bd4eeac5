#lang racket/base
(define (add a b) (+ a b))
(displayln (add 1 undefined-name))
