(println (/ 1 (Long/parseLong "0")))
