numbers = [1, 2, 3]
puts numbers["10".to_i]
