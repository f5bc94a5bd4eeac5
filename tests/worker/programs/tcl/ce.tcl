proc add {a b} {
    return [expr {$a + $b}]
puts [add 1 2]
