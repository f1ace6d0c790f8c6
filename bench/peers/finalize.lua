-- finalize.lua: the Lua peer of bench/finalize.tas (6 million instances with a
-- finalizer, each dropped four iterations after it was made). Same operations in
-- the same order, and the same printed line, but finalizers run at other times:
-- Differences: Tessera runs an instance's op_del as soon as its last reference goes
-- (reference counting). Lua finalizes (__gc) what its garbage collector finds
-- unreachable, some time later, a few at a time, in its own order. So the total is
-- not the same in the middle of the run: before the print, a full collection
-- (collectgarbage()) runs the finalizers of every instance no longer referenced,
-- which are those Tessera has finalized: all but the four still in pool (Tessera
-- releases those without their finalizers when main returns, docs/semantics.md
-- section 23.8; Lua runs their __gc when it closes, after the print). The total
-- does not depend on the order, so the printed line is the same.
-- Lua 5.1, and so LuaJIT, calls __gc only for userdata, not for tables: there each
-- Node holds a userdata (newproxy) whose __gc finalizes the Node, the usual Lua 5.1
-- way; the Node is still reachable from that __gc when it runs, as in Lua 5.4.
-- This makes a Node cost LuaJIT a userdata, a metatable and a closure more.
-- Compatibility: i & 3 and i & 63 are written i % 4 and i % 64 (the same values:
-- % is a floored modulo), native in both dialects; pool is indexed from 1. The ints
-- stay below 2^46, exact in LuaJIT's doubles.

total = 0                               -- a global, as in the .tas

local Node = {}
Node.__index = Node

local function fin(self)
  total = total + self.v * 3 + 1
end

if newproxy then                        -- Lua 5.1 (LuaJIT): a userdata finalizes
  function Node.new(v)
    local self = setmetatable({}, Node)
    self.v = v
    local proxy = newproxy(true)
    getmetatable(proxy).__gc = function() fin(self) end
    self.proxy = proxy
    return self
  end
else                                    -- Lua 5.4: tables have __gc
  Node.__gc = fin
  function Node.new(v)
    local self = setmetatable({}, Node)
    self.v = v
    return self
  end
end

local pool = {nil, nil, nil, nil}
local n = 6000000
local reads = 0
for i = 0, n - 1 do
  pool[i % 4 + 1] = Node.new(i)
  if i % 64 == 0 then
    reads = reads + pool[1].v
  end
end
collectgarbage()                        -- the finalizers of every dropped Node
print(string.format("finalize n=%d total=%d reads=%d", n, total, reads))
