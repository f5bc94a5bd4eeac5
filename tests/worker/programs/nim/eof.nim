# every number to EOF into a file in /tmp, then read back from it
import strutils
let words = stdin.readAll.splitWhitespace
writeFile("/tmp/numbers.txt", words.join("\n") & "\n")
var n, sum: int
for line in lines("/tmp/numbers.txt"):
  inc n
  sum += parseInt(line)
echo n, " ", sum
