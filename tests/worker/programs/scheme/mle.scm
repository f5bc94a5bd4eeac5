;; 1 GiB of byte vectors, filled and kept
(import (chicken blob) srfi-4)
(define blocks
  (let loop ((i 0) (acc '()))
    (if (= i 1024)
        acc
        (loop (+ i 1) (cons (make-u8vector (* 1024 1024) (modulo i 256)) acc)))))
(print (length blocks))
