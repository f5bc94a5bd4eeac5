# every number to EOF into a file in /tmp, then read back from it
open(my $out, '>', '/tmp/numbers.txt') or die;
while (<STDIN>) { print $out "$_\n" for split ' ' }
close $out;
open(my $in, '<', '/tmp/numbers.txt') or die;
my ($n, $sum) = (0, 0);
while (<$in>) { chomp; $n++; $sum += $_ }
print "$n $sum\n";
