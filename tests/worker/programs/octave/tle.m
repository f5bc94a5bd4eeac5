n = 0;
while true
  n = mod(n + 1, 1000);
end
