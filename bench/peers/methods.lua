-- methods.lua: the Lua peer of bench/methods.tas (method calls on instances of a
-- small class hierarchy in a hot loop, an instance that changes class every 4096
-- iterations, and one class mutation half-way through). The classes are tables
-- with metatables (a subclass's table has its base as __index), with the same
-- methods, class fields and instance fields as the .tas, doing the same operations
-- in the same order; prints the same line. set_class is setmetatable; the class
-- mutation an assignment to a field of the class table.
-- The instances are rendered as Tessera renders them (docs/semantics.md section
-- 23.6): the class name and the own fields in the order they were first stored,
-- which a Lua table does not keep, so __tostring names them: w, h, n (init stores
-- them in that order and no other is ever stored). Metamethods are not inherited
-- through __index, so each class gets __tostring.
-- Compatibility prelude: LuaJIT is a Lua 5.1, with doubles only and no bitwise
-- operators; its bit library has them (on 32 bits: the values here stay below
-- 2^23). Lua 5.4's operators are compiled by load(), since LuaJIT cannot parse
-- them; each costs Lua 5.4 a function call. Lua 5.4's >> is a logical shift,
-- Tessera's shr an arithmetic one: the same here, where w * h is never negative.
-- Masks x & (2^k - 1) are written x % 2^k: the same value for every int (% is a
-- floored modulo), native in both dialects.
local bxor, shr
if bit then
  bxor, shr = bit.bxor, bit.arshift
else
  bxor, shr = load([[return
    function(a, b) return a ~ b end, function(a, b) return a >> b end]])()
end

local function tostr(self)
  return string.format("%s{w: %d, h: %d, n: %d}", getmetatable(self).name, self.w, self.h, self.n)
end

local Shape = {name = "Shape", weight = 3, scale = 7, __tostring = tostr}
Shape.__index = Shape

function Shape:new(w, h)              -- inherited by Rect and Tri: self is the class
  local o = setmetatable({}, self)
  o.w = w
  o.h = h
  o.n = 0
  return o
end

function Shape:area()
  return 0
end

function Shape:grow(d)
  self.w = (self.w + d) % 1024          -- & 1023
  self.n = self.n + 1
  return self.w
end

local Rect = setmetatable({name = "Rect", __tostring = tostr}, {__index = Shape})
Rect.__index = Rect

function Rect:area()
  return self.w * self.h
end

-- Rect.grow, installed on Rect half-way through: grows h instead of w.
local function rectGrow(self, d)
  self.h = (self.h + d) % 1024          -- & 1023
  self.n = self.n + 1
  return self.h
end

local Tri = setmetatable({name = "Tri", weight = 5, __tostring = tostr}, {__index = Shape})
Tri.__index = Tri

function Tri:area()
  return shr(self.w * self.h, 1)
end

local r = Rect:new(3, 4)
local t = Tri:new(5, 6)
local shapes = {r, t}
local m = Rect:new(1, 9)
local mIsTri = false
local n = 2400000
local half = math.floor(n / 2)          -- n // 2
local acc, sum = 1, 0
for i = 0, n - 1 do
  if i == half then
    Rect.grow = rectGrow
  end
  acc = (acc + r:area()) % 1048576
  acc = (acc + r:grow(i % 8)) % 1048576
  local s = shapes[i % 2 + 1]
  acc = (acc * s.weight + s:area()) % 1048576
  s.h = (s.h + 1) % 256
  acc = bxor(acc, Shape.scale)
  m.w = i % 64
  acc = (acc + m:area()) % 1048576
  if i % 4096 == 4095 then
    local cls
    if mIsTri then
      cls = Rect
      mIsTri = false
    else
      cls = Tri
      mIsTri = true
    end
    setmetatable(m, cls)
  end
  sum = sum + acc
end
print(string.format("methods n=%d acc=%d sum=%d r=%s t=%s m=%s", n, acc, sum,
  tostring(r), tostring(t), tostring(m)))
