(* every number to EOF into a file in /tmp, then read back from it *)
let () =
  let out = open_out "/tmp/numbers.txt" in
  (try
     while true do Scanf.scanf " %d" (fun x -> Printf.fprintf out "%d\n" x) done
   with End_of_file | Scanf.Scan_failure _ -> ());
  close_out out;
  let inp = open_in "/tmp/numbers.txt" in
  let n = ref 0 and sum = ref 0 in
  (try
     while true do
       let x = int_of_string (input_line inp) in
       incr n; sum := !sum + x
     done
   with End_of_file -> ());
  Printf.printf "%d %d\n" !n !sum
