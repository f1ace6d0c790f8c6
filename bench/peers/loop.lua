-- loop.lua: the Lua peer of bench/loop.tas (a tight int loop of 30 million
-- iterations). Same operations in the same order; prints the same line.
-- Lua 5.4 and LuaJIT: a mask x & (2^k - 1) is written x % 2^k, the same value for
-- every int (% is a floored modulo), native in both dialects (LuaJIT, a Lua 5.1,
-- has no & operator; a call to a helper would cost Lua 5.4 a function call).
-- The ints stay below 2^30, exact in LuaJIT's doubles.

local n = 30000000
local acc, hits = 1, 0
for i = 0, n - 1 do
  acc = (acc * 31 + i) % 16777216       -- & 0xffffff
  if acc % 8 == 0 then                  -- acc & 7 == 0
    hits = hits + 1
  end
end
print(string.format("loop %d acc=%d hits=%d", n, acc, hits))
