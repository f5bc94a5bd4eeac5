let () =
  let blocks = List.init 1024 (fun i -> Bytes.make (1 lsl 20) (Char.chr (i mod 256))) in
  print_int (List.length blocks)
