;; 1 GiB of byte arrays, filled and kept
(def blocks (doall (for [i (range 1024)]
                     (let [b (byte-array (* 1024 1024))]
                       (java.util.Arrays/fill b (byte (mod i 128)))
                       b))))
(println (count blocks))
