sub add($a, $b) {
    $a + $b
say add(1, 2);
