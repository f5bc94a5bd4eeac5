// 1 GiB of byte arrays, filled and kept
def blocks = []
1024.times { i ->
    byte[] b = new byte[1 << 20]
    Arrays.fill(b, (byte) (i % 128))
    blocks << b
}
println blocks.size()
