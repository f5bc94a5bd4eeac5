s=x
while :; do s=$s$s; done  # doubles until the box runs out
