# every number to EOF into a file in /tmp, then read back from it
spurt "/tmp/numbers.txt", $*IN.slurp.words.map({ "$_\n" }).join;
my @back = "/tmp/numbers.txt".IO.lines».Int;
say "{@back.elems} {@back.sum}";
