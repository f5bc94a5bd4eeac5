my ($a, $b) = $*IN.get.words;
say $a + $b;
