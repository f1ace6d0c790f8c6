-- calls.lua: the Lua peer of bench/calls.tas (10 million iterations, each calling
-- three small functions with 3 or 4 arguments). Same operations in the same order;
-- prints the same line. scale, bias and mask are globals, read in the loop and
-- (mask) again in mix, as the .tas reads them with load_global; the functions are
-- locals (upvalues), as the .tas pushes them as constants (push_func).
-- Lua 5.4 and LuaJIT: x & mask, with mask = 2^20 - 1, is written x % (mask + 1),
-- the same value for every int (% is a floored modulo), native in both dialects.
-- The ints stay below 2^43, exact in LuaJIT's doubles.

local function mix(acc, i, s, b)
  return (acc * s + i + b) % (mask + 1)     -- & mask
end

local function add3(a, b, c)
  return a + b + c
end

local function pick(x, lo, hi)
  if x < lo then
    return lo
  end
  if x > hi then
    return hi
  end
  return x
end

scale = 31
bias = 12345
mask = 1048575
local n = 10000000
local acc, sum = 1, 0
for i = 0, n - 1 do
  acc = mix(acc, i, scale, bias)
  acc = add3(acc, i % 256, scale)           -- i & 255
  acc = pick(acc, 1000, mask - 1000)
  sum = sum + acc
end
print(string.format("calls n=%d acc=%d sum=%d", n, acc, sum))
