% 1 GiB of matrices, filled and kept
blocks = {};
for i = 1:1024
  blocks{end + 1} = ones(1, 131072) * i;  % 1 MiB of doubles each
end
disp(numel(blocks))
