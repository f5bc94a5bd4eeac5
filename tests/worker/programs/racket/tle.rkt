#lang racket/base
(let loop ([n 0]) (loop (modulo (add1 n) 1000)))
