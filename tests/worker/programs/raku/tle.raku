my int $n = 0;
loop { $n = ($n + 1) % 1000 }
