-- closures.lua: the Lua peer of bench/closures.tas (two closures that share
-- captured variables, called in a hot loop). Same operations in the same order;
-- prints the same line. sum and count are upvalues (Lua's cells): acc captures both
-- (the .tas captures an array of the two cells), tick captures count, so each sees
-- the other's writes.
-- Compatibility: masks x & (2^k - 1) are written x % 2^k (the same value for every
-- int: % is a floored modulo), native in Lua 5.4 and LuaJIT; the ints stay below
-- 2^26.

local n = 4000000
local sum, count = 0, 0

local function acc(x)
  local s = (sum + x) % 1048576         -- & mask
  sum = s
  count = count + 1
  return s
end

local function tick()
  local c = count + 1
  count = c
  return c
end

local chk = 0
for i = 0, n - 1 do
  chk = (chk * 31 + acc(i * 3 + i % 8) + tick()) % 1048576
end
print(string.format("closures n=%d sum=%d count=%d chk=%d", n, sum, count, chk))
