<?php
echo intval(fgets(STDIN)) + intval(file_get_contents('offset.txt')), "\n";
