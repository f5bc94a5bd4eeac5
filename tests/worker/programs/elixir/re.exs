x = String.to_integer("0")
IO.puts(div(1, x))
