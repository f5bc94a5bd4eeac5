let rec loop n = if n < 0 then n else loop (n + 1)
let () = print_int (loop 0)
