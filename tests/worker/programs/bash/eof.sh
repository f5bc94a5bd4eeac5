# every number to EOF into a file in /tmp, then read back from it
: > /tmp/numbers.txt
while read -r -a words || [ ${#words[@]} -gt 0 ]; do
  for w in "${words[@]}"; do echo "$w" >> /tmp/numbers.txt; done
  words=()
done
n=0 sum=0
while read -r x; do n=$((n + 1)); sum=$((sum + x)); done < /tmp/numbers.txt
echo "$n $sum"
