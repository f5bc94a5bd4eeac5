# doubles a string until the box runs out
set s x
while 1 { append s $s; lappend kept $s }
