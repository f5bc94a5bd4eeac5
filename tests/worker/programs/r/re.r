f <- function(x) stop("no such value: ", x)
f(42)
