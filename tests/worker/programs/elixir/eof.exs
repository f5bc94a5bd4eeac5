# every number to EOF into a file in /tmp, then read back from it
numbers = IO.read(:stdio, :eof) |> String.split() |> Enum.map(&String.to_integer/1)
File.write!("/tmp/numbers.txt", Enum.map(numbers, &"#{&1}\n"))
back = File.read!("/tmp/numbers.txt") |> String.split("\n", trim: true) |> Enum.map(&String.to_integer/1)
IO.puts("#{length(back)} #{Enum.sum(back)}")
