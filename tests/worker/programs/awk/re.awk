BEGIN { print "no such file" > "/no/such/dir/file"; print "unreachable" }
