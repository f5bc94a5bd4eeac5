(loop [n 0] (recur (mod (inc n) 1000)))
