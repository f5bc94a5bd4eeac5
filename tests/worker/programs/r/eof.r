# every number to EOF into a file in /tmp, then read back from it
x <- scan(file("stdin"), what = integer(), quiet = TRUE)
writeLines(as.character(x), "/tmp/numbers.txt")
back <- as.integer(readLines("/tmp/numbers.txt"))
cat(length(back), sum(back), "\n")
