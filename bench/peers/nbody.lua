-- nbody.lua: the Lua peer of bench/nbody.tas in its classic form (the Computer
-- Language Benchmarks Game's n-body: Sun, Jupiter, Saturn, Uranus, Neptune, with
-- their data; dt = 0.01; 300,000 steps), which uses a square root per pair. The
-- float operations are the same, in the same order, as in bench/nbody.tas (which
-- calls the builtin sqrt) and bench/peers/nbody.py, so the
-- printed energies are the same bits; prints the same line. The bodies live in
-- seven arrays of 5 floats (x, y, z, vx, vy, vz, mass), indexed from 1.
-- math.sqrt is the correctly rounded IEEE square root in both Lua 5.4 and LuaJIT,
-- and neither fuses a multiply and an add on x86-64 (LuaJIT does not by default on
-- ARM64 either), so every operation rounds as Tessera's does.
-- fstr(x): the text of the float x as Tessera writes it (fstr.lua, beside this file).
local fstr = dofile((arg and arg[0] and arg[0]:match("^(.*/)") or "./") .. "fstr.lua")

local sqrt = math.sqrt
local PI = 3.141592653589793

local function offset(vx, vy, vz, m, sm)
  local px, py, pz = 0.0, 0.0, 0.0
  for i = 1, #vx do
    px = px + vx[i] * m[i]
    py = py + vy[i] * m[i]
    pz = pz + vz[i] * m[i]
  end
  vx[1] = -px / sm
  vy[1] = -py / sm
  vz[1] = -pz / sm
end

local function energy(x, y, z, vx, vy, vz, m)
  local e = 0.0
  local n = #x
  for i = 1, n do
    e = e + 0.5 * m[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i])
    for j = i + 1, n do
      local dx = x[i] - x[j]
      local dy = y[i] - y[j]
      local dz = z[i] - z[j]
      e = e - m[i] * m[j] / sqrt(dx * dx + dy * dy + dz * dz)
    end
  end
  return e
end

local function advance(x, y, z, vx, vy, vz, m, dt)
  local n = #x
  for i = 1, n do
    for j = i + 1, n do
      local dx = x[i] - x[j]
      local dy = y[i] - y[j]
      local dz = z[i] - z[j]
      local dsq = dx * dx + dy * dy + dz * dz
      local distance = sqrt(dsq)
      local mag = dt / (dsq * distance)
      local t = m[j] * mag
      vx[i] = vx[i] - dx * t
      vy[i] = vy[i] - dy * t
      vz[i] = vz[i] - dz * t
      t = m[i] * mag
      vx[j] = vx[j] + dx * t
      vy[j] = vy[j] + dy * t
      vz[j] = vz[j] + dz * t
    end
  end
  for i = 1, n do
    x[i] = x[i] + dt * vx[i]
    y[i] = y[i] + dt * vy[i]
    z[i] = z[i] + dt * vz[i]
  end
end

local sm = 4 * PI * PI                  -- solar mass
local dpy = 365.24                      -- days per year
local x = {0.0, 4.84143144246472090e+00, 8.34336671824457987e+00,
           1.28943695621391310e+01, 1.53796971148509165e+01}
local y = {0.0, -1.16032004402742839e+00, 4.12479856412430479e+00,
           -1.51111514016986312e+01, -2.59193146099879641e+01}
local z = {0.0, -1.03622044471123109e-01, -4.03523417114321381e-01,
           -2.23307578892655734e-01, 1.79258772950371181e-01}
local vx = {0.0 * dpy, 1.66007664274403694e-03 * dpy, -2.76742510726862411e-03 * dpy,
            2.96460137564761618e-03 * dpy, 2.68067772490389322e-03 * dpy}
local vy = {0.0 * dpy, 7.69901118419740425e-03 * dpy, 4.99852801234917238e-03 * dpy,
            2.37847173959480950e-03 * dpy, 1.62824170038242295e-03 * dpy}
local vz = {0.0 * dpy, -6.90460016972063023e-05 * dpy, 2.30417297573763929e-05 * dpy,
            -2.96589568540237556e-05 * dpy, -9.51592254519715870e-05 * dpy}
local m = {1.0 * sm, 9.54791938424326609e-04 * sm, 2.85885980666130812e-04 * sm,
           4.36624404335156298e-05 * sm, 5.15138902046611451e-05 * sm}
offset(vx, vy, vz, m, sm)
local e0 = energy(x, y, z, vx, vy, vz, m)
local steps = 300000
for step = 1, steps do
  advance(x, y, z, vx, vy, vz, m, 0.01)
end
local e1 = energy(x, y, z, vx, vy, vz, m)
print(string.format("nbody steps=%d e0=%s e1=%s", steps, fstr(e0), fstr(e1)))
