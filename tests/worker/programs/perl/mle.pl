my @blocks; push @blocks, chr($_ % 256) x (1 << 20) for 1 .. 1024; print scalar(@blocks), "\n";
