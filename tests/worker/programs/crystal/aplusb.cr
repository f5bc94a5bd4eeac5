a, b = STDIN.gets_to_end.split.map(&.to_i64)
puts a + b
