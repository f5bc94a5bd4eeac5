set n 0
while 1 { set n [expr {($n + 1) % 1000}] }
