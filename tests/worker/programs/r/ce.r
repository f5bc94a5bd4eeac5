f <- function(a, b) {
  a + b

print(f(1, 2))
