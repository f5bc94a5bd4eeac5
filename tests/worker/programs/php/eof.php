<?php
// every number to EOF into a file in /tmp, then read back from it
$words = preg_split('/\s+/', stream_get_contents(STDIN), -1, PREG_SPLIT_NO_EMPTY);
file_put_contents('/tmp/numbers.txt', implode("\n", $words) . "\n");
$back = file('/tmp/numbers.txt', FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES);
echo count($back), ' ', array_sum(array_map('intval', $back)), "\n";
