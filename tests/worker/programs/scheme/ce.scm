(define (add a b)
  (+ a b)

(print (add 1 2))
