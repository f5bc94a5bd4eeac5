# every number to EOF into a file in /tmp, then read back from it
{ for (i = 1; i <= NF; i++) print $i > "/tmp/numbers.txt" }
END {
    close("/tmp/numbers.txt")
    while ((getline x < "/tmp/numbers.txt") > 0) { n++; sum += x }
    print n, sum
}
