x : Int32 = "not an int"
puts x
