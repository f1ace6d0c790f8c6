-- fstr.lua: fstr(x), the text of the float x as Tessera writes it, for the Lua peers
-- that print floats (nbody.lua, strings.lua load it with dofile from their own
-- directory). Runs under Lua 5.4 and LuaJIT.
--
-- fstr(x): the text of the float x as Tessera writes it (docs/semantics.md section
-- 11): the fewest significant digits D (1 to 17) such that x rounded to D digits
-- reads back as x; positional when the decimal exponent E is -4 to 15 (with ".0"
-- when there is no point), else d.ddde+XX. For a normal float, %.15g, %.16g, %.17g:
-- the first that reads back has D digits (a shorter exact text is the 15-digit
-- rounding with its zeros dropped); subnormals try every D. One known difference:
-- LuaJIT's string.format rounds an exact tie (a float whose exact decimal ends with
-- a 5 right after the last digit kept) away from zero where C and Tessera round to
-- even, so LuaJIT can print such a float with another last digit; no float printed
-- by these benchmarks is one.
local format, tonumber, find, match = string.format, tonumber, string.find, string.match
local function fstr(x)
  if x ~= x then return "nan" end
  if x == 1 / 0 then return "inf" end
  if x == -1 / 0 then return "-inf" end
  if x == 0 then
    if 1 / x < 0 then return "-0.0" end
    return "0.0"
  end
  local s
  if x > -2.2250738585072014e-308 and x < 2.2250738585072014e-308 then
    for d = 1, 17 do
      s = format("%." .. (d - 1) .. "e", x)
      if tonumber(s) == x then break end
    end
  else
    s = format("%.15g", x)
    if tonumber(s) ~= x then
      s = format("%.16g", x)
      if tonumber(s) ~= x then s = format("%.17g", x) end
    end
  end
  local mant, e = match(s, "^([^e]*)e([-+]%d+)$")
  if not mant then                                  -- positional
    if find(s, ".", 1, true) then return s end
    local digits = match(s, "%d+")
    if #digits <= 16 then return s .. ".0" end      -- E = #digits - 1 <= 15
    return format("%." .. (#match(digits, "^(%d-)0*$") - 1) .. "e", x)
  end
  e = tonumber(e)
  if e < -4 or e > 15 then return s end
  local p = #match(mant, "%d[%d.]*"):gsub("%.", "") - 1 - e
  if p < 0 then p = 0 end
  s = format("%." .. p .. "f", x)
  if not find(s, ".", 1, true) then s = s .. ".0" end
  return s
end

return fstr
