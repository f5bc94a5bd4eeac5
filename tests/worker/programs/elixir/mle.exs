# 1 GiB of binaries, each filled and kept
blocks = for i <- 1..1024, do: :binary.copy(<<rem(i, 256)>>, 1024 * 1024)
IO.puts(length(blocks))
