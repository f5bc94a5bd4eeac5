(defvar *n* 0)
(loop (setf *n* (mod (1+ *n*) 1000)))
