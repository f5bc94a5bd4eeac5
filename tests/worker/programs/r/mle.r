# 1 GiB of vectors, filled and kept
blocks <- list()
for (i in 1:1024) blocks[[i]] <- rep(i, 131072)  # 1 MiB of doubles each
cat(length(blocks), "\n")
