import java.nio.file.{Files, Paths}

object Main {
  def main(args: Array[String]): Unit = {  // every number to EOF into a file in /tmp, read back
    val words = scala.io.Source.stdin.mkString.split("\\s+").filter(_.nonEmpty)
    Files.write(Paths.get("/tmp/numbers.txt"), words.map(_ + "\n").mkString.getBytes("UTF-8"))
    val back = scala.io.Source.fromFile("/tmp/numbers.txt").getLines().map(_.toLong).toList
    println(s"${back.size} ${back.sum}")
  }
}
