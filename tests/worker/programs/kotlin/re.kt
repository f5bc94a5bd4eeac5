fun main() { val a = IntArray(1); println(a[5]) }
