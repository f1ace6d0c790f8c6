-- richards.lua: the Lua peer of bench/richards.tas (Martin Richards' task
-- scheduler, with the classes of the well-known versions, run 400 times from
-- scratch). The same classes (tables with metatables; a subclass's table has its
-- base as __index), methods and fields as the .tas, doing the same operations in
-- the same order; prints the same line.
-- Differences: Lua arrays start at 1, so a packet's data a2[i] is the .tas's
-- a2[i - 1] (the scheduler's blocks are indexed by the task id, 0 to 5). A Lua
-- table cannot hold nil: DeviceTask's pending packet is a field of the instance,
-- and removing it (self.pending = nil) makes reads fall through to the class, where
-- pending is nil, as the .tas's del_attr falls back to the class attribute
-- pending = nil.
-- Compatibility prelude: LuaJIT is a Lua 5.1, with doubles only and no bitwise
-- operators; its bit library has them (on 32 bits, enough for these state bits and
-- this shift register). Lua 5.4's operators are compiled by load(), since LuaJIT
-- cannot parse them; each costs Lua 5.4 a function call. Lua 5.4's >> is a logical
-- shift, Tessera's shr an arithmetic one: the same here, where v1 is never negative.
-- A test of the low bit, v1 & 1, is written v1 % 2 (the same value, native in both).
local bor, band, bxor, shr
if bit then
  bor, band, bxor, shr = bit.bor, bit.band, bit.bxor, bit.arshift
else
  bor, band, bxor, shr = load([[return
    function(a, b) return a | b end, function(a, b) return a & b end,
    function(a, b) return a ~ b end, function(a, b) return a >> b end]])()
end

local function class(base)
  local c = {}
  c.__index = c
  if base then
    setmetatable(c, {__index = base})
  end
  return c
end

-- Packet -------------------------------------------------------------------------

local Packet = class()

function Packet.new(link, id, kind)
  local self = setmetatable({}, Packet)
  self.link = link
  self.id = id
  self.kind = kind
  self.a1 = 0
  self.a2 = {0, 0, 0, 0}
  return self
end

function Packet:addTo(queue)
  self.link = nil
  if not queue then
    return self
  end
  local last = queue
  local peek = last.link
  while peek do
    last = peek
    peek = last.link
  end
  last.link = self
  return queue
end

-- TaskControlBlock ---------------------------------------------------------------

local TaskControlBlock = class()

function TaskControlBlock.new(link, id, pri, queue, task)
  local self = setmetatable({}, TaskControlBlock)
  self.link = link
  self.id = id
  self.pri = pri
  self.queue = queue
  self.task = task
  local state = 2                       -- suspended
  if queue then
    state = bor(state, 1)               -- and runnable
  end
  self.state = state
  return self
end

function TaskControlBlock:setRunning()
  self.state = 0
end

function TaskControlBlock:markAsNotHeld()
  self.state = band(self.state, -5)
end

function TaskControlBlock:markAsHeld()
  self.state = bor(self.state, 4)
end

function TaskControlBlock:markAsSuspended()
  self.state = bor(self.state, 2)
end

function TaskControlBlock:markAsRunnable()
  self.state = bor(self.state, 1)
end

function TaskControlBlock:isHeldOrSuspended()
  local state = self.state
  if band(state, 4) ~= 0 then
    return true
  end
  return state == 2
end

function TaskControlBlock:run(sched)
  local packet = nil
  if self.state == 3 then
    packet = self.queue
    self.queue = packet.link
    if self.queue then
      self.state = 1
    else
      self.state = 0
    end
  end
  return self.task:fn(packet, sched)
end

function TaskControlBlock:checkPriorityAdd(cur, packet)
  if not self.queue then
    self.queue = packet
    self:markAsRunnable()
    if self.pri > cur.pri then
      return self
    end
  else
    self.queue = packet:addTo(self.queue)
  end
  return cur
end

-- Scheduler ----------------------------------------------------------------------

local Scheduler = class()
local IdleTask, WorkerTask, HandlerTask, DeviceTask

function Scheduler.new()
  local self = setmetatable({}, Scheduler)
  self.queueCount = 0
  self.holdCount = 0
  self.blocks = {}                      -- by task id, 0 to 5
  self.list = nil
  self.currentTcb = nil
  self.currentId = nil
  return self
end

function Scheduler:addTask(id, pri, queue, task)
  local tcb = TaskControlBlock.new(self.list, id, pri, queue, task)
  self.currentTcb = tcb
  self.list = tcb
  self.blocks[id] = tcb
end

function Scheduler:addRunningTask(id, pri, queue, task)
  self:addTask(id, pri, queue, task)
  self.currentTcb:setRunning()
end

function Scheduler:addIdleTask(id, pri, queue, count)
  self:addRunningTask(id, pri, queue, IdleTask:new(1, count))
end

function Scheduler:addWorkerTask(id, pri, queue)
  self:addTask(id, pri, queue, WorkerTask:new(2, 0))
end

function Scheduler:addHandlerTask(id, pri, queue)
  self:addTask(id, pri, queue, HandlerTask:new(nil, nil))
end

function Scheduler:addDeviceTask(id, pri, queue)
  self:addTask(id, pri, queue, DeviceTask:new())
end

function Scheduler:schedule()
  self.currentTcb = self.list
  while true do
    local tcb = self.currentTcb
    if not tcb then
      break
    end
    if tcb:isHeldOrSuspended() then
      self.currentTcb = tcb.link
    else
      self.currentId = tcb.id
      self.currentTcb = tcb:run(self)
    end
  end
end

function Scheduler:release(id)
  local tcb = self.blocks[id]
  if not tcb then
    return nil
  end
  tcb:markAsNotHeld()
  if tcb.pri > self.currentTcb.pri then
    return tcb
  end
  return self.currentTcb
end

function Scheduler:holdSelf()
  self.holdCount = self.holdCount + 1
  self.currentTcb:markAsHeld()
  return self.currentTcb.link
end

function Scheduler:waitSelf()
  self.currentTcb:markAsSuspended()
  return self.currentTcb
end

function Scheduler:queuePacket(packet)
  local t = self.blocks[packet.id]
  if not t then
    return nil
  end
  self.queueCount = self.queueCount + 1
  packet.link = nil
  packet.id = self.currentId
  return t:checkPriorityAdd(self.currentTcb, packet)
end

-- The tasks ----------------------------------------------------------------------

local Task = class()

-- Task:new(v1, v2), inherited by IdleTask, WorkerTask and HandlerTask: self is the
-- class called.
function Task:new(v1, v2)
  local o = setmetatable({}, self)
  o.v1 = v1
  o.v2 = v2
  return o
end

IdleTask = class(Task)

function IdleTask:fn(packet, sched)
  local v2 = self.v2 - 1
  self.v2 = v2
  if v2 == 0 then
    return sched:holdSelf()
  end
  if self.v1 % 2 == 0 then              -- v1 & 1 == 0
    self.v1 = shr(self.v1, 1)
    return sched:release(4)
  end
  self.v1 = bxor(shr(self.v1, 1), 0xD008)
  return sched:release(5)
end

WorkerTask = class(Task)

function WorkerTask:fn(packet, sched)
  if not packet then
    return sched:waitSelf()
  end
  if self.v1 == 2 then
    self.v1 = 3
  else
    self.v1 = 2
  end
  packet.id = self.v1
  packet.a1 = 0
  local a2 = packet.a2
  for i = 1, 4 do
    self.v2 = self.v2 + 1
    if self.v2 > 26 then
      self.v2 = 1
    end
    a2[i] = self.v2
  end
  return sched:queuePacket(packet)
end

HandlerTask = class(Task)

function HandlerTask:fn(packet, sched)
  if packet then
    if packet.kind == 1 then
      self.v1 = packet:addTo(self.v1)
    else
      self.v2 = packet:addTo(self.v2)
    end
  end
  if self.v1 then
    local count = self.v1.a1
    if count < 4 then
      if self.v2 then
        local v = self.v2
        self.v2 = v.link
        v.a1 = self.v1.a2[count + 1]
        self.v1.a1 = count + 1
        return sched:queuePacket(v)
      end
    else
      local v = self.v1
      self.v1 = v.link
      return sched:queuePacket(v)
    end
  end
  return sched:waitSelf()
end

DeviceTask = class(Task)
DeviceTask.pending = nil                -- the class attribute (a no-op in Lua)

function DeviceTask:new()
  return setmetatable({}, self)
end

function DeviceTask:fn(packet, sched)
  if not packet then
    local v = self.pending
    if not v then
      return sched:waitSelf()
    end
    self.pending = nil
    return sched:queuePacket(v)
  end
  self.pending = packet
  return sched:holdSelf()
end

-- main ---------------------------------------------------------------------------

local reps = 400
local totalQueue, totalHold, bad = 0, 0, 0
local sched
local rep = 0
while rep < reps do
  sched = Scheduler.new()
  sched:addIdleTask(0, 0, nil, 1000)
  local queue = nil
  queue = Packet.new(queue, 1, 1)
  queue = Packet.new(queue, 1, 1)
  sched:addWorkerTask(1, 1000, queue)
  queue = nil
  queue = Packet.new(queue, 4, 0)
  queue = Packet.new(queue, 4, 0)
  queue = Packet.new(queue, 4, 0)
  sched:addHandlerTask(2, 2000, queue)
  queue = nil
  queue = Packet.new(queue, 5, 0)
  queue = Packet.new(queue, 5, 0)
  queue = Packet.new(queue, 5, 0)
  sched:addHandlerTask(3, 3000, queue)
  queue = nil
  sched:addDeviceTask(4, 4000, nil)
  sched:addDeviceTask(5, 5000, nil)
  sched:schedule()
  totalQueue = totalQueue + sched.queueCount
  totalHold = totalHold + sched.holdCount
  if sched.queueCount ~= 2322 or sched.holdCount ~= 928 then
    bad = bad + 1
  end
  rep = rep + 1
end
print(string.format("richards reps=%d queue=%d hold=%d total_queue=%d total_hold=%d bad=%d",
  rep, sched.queueCount, sched.holdCount, totalQueue, totalHold, bad))
