-- sieve.lua: the Lua peer of bench/sieve.tas (the sieve of Eratosthenes over
-- 1,000,000 booleans, 10 times). Same operations in the same order: the flags are
-- built by appending, composites struck from i * i, then primes counted and summed.
-- Prints the same line. Lua arrays start at 1: flags[k] is the flag of the number
-- k (the .tas's element k), so flags[n] is the n-th appended and is never read.
-- Lua 5.4 and LuaJIT alike (no integer division or bitwise operation; the sum stays
-- below 2^53).

local n = 1000000
local sum, count, reps = 0, 0, 0
while reps < 10 do
  local flags = {}
  for i = 1, n do
    flags[i] = true
  end
  local i = 2
  while i * i < n do
    if flags[i] then
      for j = i * i, n - 1, i do
        flags[j] = false
      end
    end
    i = i + 1
  end
  count = 0
  for k = 2, n - 1 do
    if flags[k] then
      count = count + 1
      sum = sum + k
    end
  end
  reps = reps + 1
end
print(string.format("sieve n=%d reps=%d primes=%d sum=%d", n, reps, count, sum))
