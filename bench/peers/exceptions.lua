-- exceptions.lua: the Lua peer of bench/exceptions.tas (4 million iterations, each
-- with two protected calls (pcall): a floor division by zero every 16th call,
-- caught, and a value raised with error() every 8th call, caught). Same operations
-- in the same order; prints the same line. error(x, 0) raises the number x itself,
-- as the .tas's raise (level 0: Lua 5.1 would otherwise make it a message string
-- with the position).
-- Differences: a caught division by zero adds DIVISION_BY_ZERO, the code (2) that
-- Tessera's handler receives, so that zeros is the same sum; Lua's error value there
-- is a message.
-- Compatibility prelude: ratio(a, b) is a // b. Lua 5.4 raises an error for an int
-- division by zero; LuaJIT (a Lua 5.1) has no //, and its math.floor(a / b) gives
-- inf for b == 0, so there ratio raises the error itself. Lua 5.4's // is compiled
-- by load(), since LuaJIT cannot parse it. x & 255 is written x % 256 (the same
-- value: % is a floored modulo), native in both. The ints stay below 2^44.
local ratio
if bit then
  local floor = math.floor
  ratio = function(a, b)
    if b == 0 then
      error("attempt to perform 'n//0'")
    end
    return floor(a / b)
  end
else
  ratio = load("return function(a, b) return a // b end")()
end

local DIVISION_BY_ZERO = 2

local function check(x)
  if x % 8 == 5 then
    error(x, 0)
  end
  return x % 256                        -- x & 255
end

local n = 4000000
local acc, zeros, raised = 0, 0, 0
for i = 0, n - 1 do
  local ok, q = pcall(ratio, i * 7 + 3, i % 16)
  if ok then
    acc = acc + q
  else
    zeros = zeros + DIVISION_BY_ZERO
  end
  local ok2, c = pcall(check, i)
  if ok2 then
    acc = acc + c
  else
    raised = raised + c
  end
end
print(string.format("exceptions n=%d acc=%d zeros=%d raised=%d", n, acc,
  math.floor(zeros / 2), raised))
