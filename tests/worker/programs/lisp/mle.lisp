;; 1 GiB of byte vectors, filled and kept
(defvar *blocks* nil)
(dotimes (i 1024)
  (push (make-array (* 1024 1024) :element-type '(unsigned-byte 8) :initial-element (mod i 256))
        *blocks*))
(format t "~d~%" (length *blocks*))
