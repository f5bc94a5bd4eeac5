# 1 GiB of sequences, filled and kept
var blocks: seq[seq[byte]]
for i in 0 ..< 1024:
  var b = newSeq[byte](1 shl 20)
  for j in 0 ..< b.len: b[j] = byte(i mod 256)
  blocks.add b
echo blocks.len
