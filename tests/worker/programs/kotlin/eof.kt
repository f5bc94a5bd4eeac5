import java.io.File

fun main() {  // every number to EOF into a file in /tmp, then read back from it
    val words = generateSequence(::readLine).flatMap { it.split(" ").asSequence() }
        .filter { it.isNotEmpty() }.toList()
    File("/tmp/numbers.txt").writeText(words.joinToString("\n", postfix = "\n"))
    val back = File("/tmp/numbers.txt").readLines().filter { it.isNotEmpty() }.map { it.toLong() }
    println("${back.size} ${back.sum()}")
}
