(let* ((a (read)) (b (read)))
  (print (+ a b)))
