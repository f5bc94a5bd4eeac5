(let [[a b] (map #(Long/parseLong %) (clojure.string/split (clojure.string/trim (slurp *in*)) #"\s+"))]
  (println (+ a b)))
