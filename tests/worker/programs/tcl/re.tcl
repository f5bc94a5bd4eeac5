set numbers {1 2 3}
puts [expr {[lindex $numbers 0] / 0}]
