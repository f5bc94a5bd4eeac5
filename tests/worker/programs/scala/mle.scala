object Main {
  def main(args: Array[String]): Unit = {
    val blocks = scala.collection.mutable.ArrayBuffer[Array[Byte]]()
    for (i <- 0 until 1024) {  // 1 GiB, touched
      val b = new Array[Byte](1 << 20)
      java.util.Arrays.fill(b, (i % 128).toByte)
      blocks += b
    }
    println(blocks.size)
  }
}
