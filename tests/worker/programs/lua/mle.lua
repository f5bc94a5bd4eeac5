local blocks = {}
for i = 1, 1024 do blocks[i] = string.rep(string.char(i % 256), 1 << 20) end  -- 1 GiB
print(#blocks)
