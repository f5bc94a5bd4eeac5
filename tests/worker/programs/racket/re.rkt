#lang racket/base
(displayln (vector-ref (vector 1 2 3) 10))
