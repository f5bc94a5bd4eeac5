(defun add (a b)
  (+ a b)

(format t "~d~%" (add 1 2))
