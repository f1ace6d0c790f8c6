-- wordfreq.lua: the Lua peer of bench/wordfreq.tas (4 million words from a linear
-- congruential generator counted in a table with string keys, "the" deleted every
-- 65,536 words). Same operations in the same order; prints the same line. words is
-- a global, read in the loop, as the .tas reads it with load_global (and indexed
-- from 1). The common words are the same strings each time; the others new strings
-- made by .., equal by their bytes to earlier keys.
-- Differences: a Lua table keeps no count of its keys (# counts only a sequence),
-- so distinct counts them as they are added and deleted, where the .tas asks the
-- map for its len; and a table does not keep the keys' order (the .tas never reads
-- it).
-- Compatibility prelude: the generator's step x * 1103515245 + 12345 reaches 2^62:
-- exact in Lua 5.4's 64-bit ints, but not in LuaJIT's doubles (exact to 2^53), so
-- there lcg multiplies in two halves and keeps the low 31 bits, exactly. LuaJIT's
-- bit library shifts (on 32 bits: x < 2^31); Lua 5.4's operators are compiled by
-- load(), since LuaJIT cannot parse them, each costing Lua 5.4 a function call; its
-- >> is a logical shift, Tessera's shr an arithmetic one, the same here where x is
-- never negative. Masks x & (2^k - 1) are written x % 2^k: the same value for
-- every int (% is a floored modulo), native in both dialects.
local lcg, shr
if bit then
  local A_HI, A_LO = 16838, 20077       -- 1103515245 = 16838 * 2^16 + 20077
  lcg = function(x)                     -- (x * 1103515245 + 12345) & 0x7fffffff
    return (x * A_LO + (x * A_HI) % 32768 * 65536 + 12345) % 2147483648
  end
  shr = bit.arshift
else
  lcg, shr = load([[return
    function(x) return (x * 1103515245 + 12345) & 0x7fffffff end,
    function(a, b) return a >> b end]])()
end

words = {"the", "of", "and", "to", "in", "a", "is", "that", "for", "it",
         "as", "was", "with", "be", "by", "on", "not", "he", "i", "this"}
local m, distinct = {}, 0
local n = 4000000
local x = 7
for i = 0, n - 1 do
  x = lcg(x)
  local w
  if shr(x, 20) % 4 == 0 then
    w = words[shr(x, 16) % 20 + 1]
  else
    w = "w" .. shr(x, 8) % 500
  end
  if m[w] ~= nil then
    m[w] = m[w] + 1
  else
    m[w] = 1
    distinct = distinct + 1
  end
  if i % 65536 == 65535 and m["the"] ~= nil then
    m["the"] = nil
    distinct = distinct - 1
  end
end
print(string.format("wordfreq n=%d distinct=%d the=%s of=%d w42=%d", n, distinct,
  tostring(m["the"] ~= nil), m["of"], m["w42"]))
