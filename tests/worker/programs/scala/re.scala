object Main extends App {
  val numbers = Array(1, 2, 3)
  println(numbers(10))
}
