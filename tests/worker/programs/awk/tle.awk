BEGIN { while (1) n = (n + 1) % 1000 }
