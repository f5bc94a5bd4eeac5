fun main() {
    val blocks = ArrayList<ByteArray>()
    for (i in 0 until 1024) blocks.add(ByteArray(1 shl 20) { i.toByte() })  // 1 GiB, touched
    println(blocks.size)
}
