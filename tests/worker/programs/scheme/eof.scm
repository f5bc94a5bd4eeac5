;; every number to EOF into a file in /tmp, then read back from it
(import (chicken io) (chicken string))
(with-output-to-file "/tmp/numbers.txt"
  (lambda ()
    (let loop ((x (read (current-input-port))))
      (unless (eof-object? x)
        (print x)
        (loop (read (current-input-port)))))))
(define back (with-input-from-file "/tmp/numbers.txt"
               (lambda () (map string->number (read-lines)))))
(print (length back) " " (apply + back))
