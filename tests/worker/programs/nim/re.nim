import strutils
let numbers = @[1, 2, 3]
echo numbers[parseInt("10")]
