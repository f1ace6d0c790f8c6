-- strings.lua: the Lua peer of bench/strings.tas (string building: 1.2 million
-- renderings of ints, a float rendering every 16th iteration, concatenation, length,
-- indexing and comparison of one-byte strings). Same operations in the same order;
-- prints the same line. Lua strings are indexed from 1: acc:sub(j, j) is the
-- .tas's acc[j - 1]. A float is rendered by fstr (below), which writes Tessera's
-- text; tostring would not (Lua 5.4 writes %.14g, LuaJIT too).
-- Lua 5.4 and LuaJIT: i & 15 is written i % 16 (the same value: % is a floored
-- modulo), native in both dialects; the ints stay below 2^34, exact in LuaJIT's
-- doubles, and i / 7 is a float division in both.

-- fstr(x): the text of the float x as Tessera writes it (fstr.lua, beside this file).
local fstr = dofile((arg and arg[0] and arg[0]:match("^(.*/)") or "./") .. "fstr.lua")

local n = 1200000
local acc, t = "", ""
local total, sevens, semis = 0, 0, 0
for i = 0, n - 1 do
  t = tostring(i * 7919)
  if i % 16 == 0 then                   -- not (i & 15)
    t = t .. "/" .. fstr(i / 7)
  end
  acc = acc .. t .. ";"
  if t:sub(#t, #t) == "7" then
    sevens = sevens + 1
  end
  if #acc >= 1024 then
    for j = 1, #acc do
      if acc:sub(j, j) == ";" then
        semis = semis + 1
      end
    end
    total = total + #acc
    acc = ""
  end
end
total = total + #acc
print(string.format("strings n=%d bytes=%d sevens=%d semis=%d last=%s", n, total, sevens, semis, t))
