-- fib.lua: the Lua peer of bench/fib.tas (recursive fib(32), computed 6 times).
-- Same algorithm and operations in the same order; prints the same line.
-- Runs under Lua 5.4 and LuaJIT alike: it needs no integer division or bitwise
-- operation, and its ints stay far below 2^53.

local function fib(n)
  if n < 2 then
    return n
  end
  return fib(n - 1) + fib(n - 2)
end

local last, sum = 0, 0
for rep = 1, 6 do
  last = fib(32)
  sum = last + sum
end
print(string.format("fib(32)=%d sum=%d", last, sum))
