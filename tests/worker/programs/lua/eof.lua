-- every number to EOF into a file in /tmp, then read back from it
local out = assert(io.open("/tmp/numbers.txt", "w"))
for word in io.read("a"):gmatch("%S+") do out:write(word, "\n") end
out:close()
local n, sum = 0, 0
for line in io.lines("/tmp/numbers.txt") do n = n + 1; sum = sum + math.tointeger(tonumber(line)) end
print(n .. " " .. sum)
