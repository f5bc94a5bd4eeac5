<?php $blocks = [];
for ($i = 0; $i < 1024; $i++) $blocks[] = str_repeat(chr($i % 256), 1 << 20);  // 1 GiB
echo count($blocks), "\n";
