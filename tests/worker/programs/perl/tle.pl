my $n = 0; while (1) { $n++ }
