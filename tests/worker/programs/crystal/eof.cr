# every number to EOF into a file in /tmp, then read back from it
File.write("/tmp/numbers.txt", STDIN.gets_to_end.split.map { |w| "#{w}\n" }.join)
back = File.read_lines("/tmp/numbers.txt").map(&.to_i64)
puts "#{back.size} #{back.sum}"
