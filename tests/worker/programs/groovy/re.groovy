def numbers = [1, 2, 3]
println numbers.get(10)
