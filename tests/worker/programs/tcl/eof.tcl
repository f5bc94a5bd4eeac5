# every number to EOF into a file in /tmp, then read back from it
set out [open /tmp/numbers.txt w]
foreach word [regexp -all -inline {\S+} [read stdin]] { puts $out $word }
close $out
set in [open /tmp/numbers.txt]
set n 0
set sum 0
while {[gets $in line] >= 0} { incr n; incr sum $line }
close $in
puts "$n $sum"
