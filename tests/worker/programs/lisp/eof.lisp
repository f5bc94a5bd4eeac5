;; every number to EOF into a file in /tmp, then read back from it
(with-open-file (out "/tmp/numbers.txt" :direction :output :if-exists :supersede)
  (loop for x = (read *standard-input* nil nil)
        while x do (format out "~d~%" x)))
(with-open-file (in "/tmp/numbers.txt")
  (loop for x = (read in nil nil)
        while x count t into n sum x into total
        finally (format t "~d ~d~%" n total)))
