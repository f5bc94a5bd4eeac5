blocks = []
1024.times { |i| blocks << ((i % 256).chr * (1 << 20)) }  # 1 GiB, touched
puts blocks.size
