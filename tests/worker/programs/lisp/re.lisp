(defun divide (a b) (/ a b))
(format t "~d~%" (divide 1 (read-from-string "0")))
