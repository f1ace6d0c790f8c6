-- iterate.lua: the Lua peer of bench/iterate.tas (15,000 rounds, each walking an
-- array of 1,000 ints with ipairs, a range of 1,000 ints with a numeric for, the
-- keys of a table of 100 int keys with pairs and a string of 84 bytes; the array
-- rotated by one element per round with table.remove and table.insert, which
-- appends). Same operations in the same order; prints the same line.
-- Differences: a string has no iterator in Lua; the walk is a numeric for over its
-- bytes, each a one-byte string (s:sub(j, j)), as the .tas's string iterator gives.
-- pairs walks the keys in no defined order, the .tas's map in insertion order (the
-- sum is the same). Lua 5.4 and LuaJIT alike: no bitwise operation or integer
-- division, and the sums stay below 2^33.

local a = {}
for v = 0, 999 do
  table.insert(a, v)
end
local m = {}
for k = 0, 99 do
  m[k] = k * 3
end
local s = "banana and apple and an avocado and a papaya and a pear and again a banana or two ok"
local totalA, totalR, totalM, totalS = 0, 0, 0, 0
for round = 0, 14999 do
  for _, v in ipairs(a) do
    totalA = v + totalA
  end
  for v = 0, 999 do
    totalR = v * v % 1000 + totalR
  end
  for k in pairs(m) do
    totalM = m[k] + totalM
  end
  for j = 1, #s do
    if s:sub(j, j) == "a" then
      totalS = totalS + 1
    end
  end
  table.insert(a, table.remove(a, 1))
end
print(string.format("iterate rounds=15000 array=%d range=%d map=%d string=%d",
  totalA, totalR, totalM, totalS))
