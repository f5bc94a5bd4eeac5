// every number to EOF into a file in /tmp, then read back from it
def words = System.in.text.split(/\s+/).findAll { it }
new File("/tmp/numbers.txt").text = words.collect { it + "\n" }.join()
def back = new File("/tmp/numbers.txt").readLines().collect { it as long }
println "${back.size()} ${back.sum()}"
