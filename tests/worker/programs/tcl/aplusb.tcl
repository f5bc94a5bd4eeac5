lassign [split [string trim [gets stdin]]] a b
puts [expr {$a + $b}]
