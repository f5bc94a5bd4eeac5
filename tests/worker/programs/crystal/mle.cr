# 1 GiB of byte slices, filled and kept
blocks = [] of Bytes
1024.times { |i| blocks << Bytes.new(1 << 20, (i % 256).to_u8) }
puts blocks.size
