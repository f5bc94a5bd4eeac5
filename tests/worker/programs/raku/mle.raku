# 1 GiB of buffers, filled and kept
my @blocks;
for ^1024 -> $i { @blocks.push: buf8.allocate(1024 * 1024, $i % 256) }
say @blocks.elems;
