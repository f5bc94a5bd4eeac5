x = [1 2 3;
disp(x)
if x(1) > 0
  disp("positive")
