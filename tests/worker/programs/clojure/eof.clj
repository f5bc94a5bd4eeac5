;; every number to EOF into a file in /tmp, then read back from it
(require '[clojure.string :as str])
(let [words (remove empty? (str/split (slurp *in*) #"\s+"))]
  (spit "/tmp/numbers.txt" (apply str (map #(str % "\n") words))))
(let [back (map #(Long/parseLong %) (str/split-lines (slurp "/tmp/numbers.txt")))]
  (println (count back) (reduce + back)))
