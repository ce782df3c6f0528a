-- ardour_session.lua — drives headless Ardour 7 (ardour7-lua, "None (Dummy)"
-- backend) through the Ancestral plugin's life in a session. Run by
-- test_ardour.sh, which sets HOME, LV2_PATH and the export preset, and checks
-- the renders and the figures printed here.
--
--   ardour7-lua ardour_session.lua create SESSION_DIR SECONDS TINY_PRESET_LABEL
--     New 48 kHz session, one audio track "Ancestral", the plugin inserted by
--     URI. Exports SESSION_DIR/out/{default,knobs,bell,tiny,saved}.wav: the
--     default model as inserted; with z1 = 2.5, z2 = -1.5; after the shipped
--     preset "Bell"; after the preset TINY_PRESET_LABEL (another model file,
--     loaded through the preset's state); the same settings once more, after
--     the reset Ardour does at the end of an export. Saves the session.
--   ardour7-lua ardour_session.lua reopen SESSION_DIR SECONDS
--     Loads the saved session and exports SESSION_DIR/out/reopened.wav.
--
-- Prints `key: value` lines, per step: `STEP_latency_port` (what the plugin's
-- lv2:latency port reads), `STEP_latency_ardour` (the insert's
-- signal_latency(), what Ardour compensates), `STEP_latency_route`,
-- `knobs_STEP` (every control input, by label) and `export`. A failed step
-- raises an error starting with FAIL (ardour7-lua then exits 1).

local RATE = 48000
local BLOCK = 256
local URI = "urn:ancestral:synth"
local EXPORT_PRESET = "a7d7b313-e134-48d2-be3a-d45100b519ad" -- ancestral-float32.preset

local mode, sdir, seconds = arg[1], arg[2], tonumber(arg[3] or "")
assert(mode and sdir and seconds, "usage: ardour_session.lua create|reopen SESSION_DIR SECONDS [TINY_PRESET_LABEL]")

local function fail(msg) error("FAIL: " .. msg, 0) end

local function start_engine()
  local be = AudioEngine:set_backend("None (Dummy)", "", "")
  if not be then fail("Ardour has no \"None (Dummy)\" backend") end
  be:set_device_name("Silence")
  be:set_buffer_size(BLOCK)
end

-- The first plugin insert on the route, and its Plugin.
local function find_plugin(route)
  for i = 0, 15 do
    local proc = route:nth_plugin(i)
    if proc:isnil() then break end
    local plug = proc:to_insert():plugin(0)
    if plug:unique_id() == URI then return proc, plug end
  end
  fail("no " .. URI .. " insert on route " .. route:name())
end

-- Control ports by label: n-th parameter (what LuaAPI's get/set_processor_param
-- take) and whether it is an output.
local function control_map(plug)
  local map, order = {}, {}
  for n = 0, plug:parameter_count() - 1 do
    local cid, ok = plug:nth_parameter(n, false)
    if not ok[2] then break end
    local label = plug:parameter_label(cid)
    map[label] = { n = n, output = plug:parameter_is_output(cid) }
    table.insert(order, label)
  end
  return map, order
end

local function get(proc, map, label)
  local c = map[label]
  if not c then fail("no control labelled " .. label) end
  local v, t = ARDOUR.LuaAPI.get_processor_param(proc, c.n, false)
  if not t[3] then fail("cannot read " .. label) end
  return v
end

local function set(proc, map, label, value)
  local c = map[label]
  if not c then fail("no control labelled " .. label) end
  if not ARDOUR.LuaAPI.set_processor_param(proc, c.n, value) then
    fail("Ardour refused " .. label .. " = " .. value)
  end
end

-- One line with every control input, so that two runs can be compared as text.
local function print_knobs(tag, proc, map, order)
  local parts = {}
  for _, label in ipairs(order) do
    if not map[label].output then
      table.insert(parts, string.format("%s=%.6f", label, get(proc, map, label)))
    end
  end
  print(tag .. ": " .. table.concat(parts, ","))
end

local function print_latency(tag, proc, route, map)
  -- Let the engine run: worker responses land in run(), and Ardour reads the
  -- latency port after each cycle.
  sleep(1.0)
  print(string.format("%s_latency_port: %d", tag, math.floor(get(proc, map, "Latency") + 0.5)))
  print(string.format("%s_latency_ardour: %d", tag, proc:signal_latency()))
  print(string.format("%s_latency_route: %d", tag, route:signal_latency()))
end

local function export(name)
  local e = Session:simple_export()
  if not e:set_preset(EXPORT_PRESET) then
    fail("export preset " .. EXPORT_PRESET .. " missing from $HOME/.config/ardour7/export")
  end
  e:set_name(name)
  e:set_folder(sdir .. "/out")
  e:set_range(0, math.floor(seconds * RATE))
  if not e:check_outputs() then fail("no master outputs to export") end
  if not e:run_export() then fail("export " .. name .. " failed") end
  print("export: " .. sdir .. "/out/" .. name .. ".wav")
end

local function load_preset(plug, label)
  local pr = plug:preset_by_label(label)
  if not pr then fail("preset \"" .. label .. "\" not found") end
  if not plug:load_preset(pr) then fail("Ardour could not load preset " .. label) end
  print("preset: " .. pr.label .. " " .. pr.uri)
end

start_engine()

if mode == "create" then
  local tiny_label = arg[4]
  assert(tiny_label, "create needs TINY_PRESET_LABEL")
  if not create_session(sdir, "ancestral", RATE) then fail("create_session " .. sdir) end
  print(string.format("session: %s rate=%d block=%d", Session:path(), Session:nominal_sample_rate(),
                      Session:get_block_size()))
  -- A mono track (one output, to the master's left input, no panner): the
  -- export's first channel is then the plugin's output itself, at unity gain.
  local tracks = Session:new_audio_track(1, 1, nil, 1, "Ancestral", ARDOUR.PresentationInfo.max_order,
                                         ARDOUR.TrackMode.Normal, false)
  if tracks:size() ~= 1 then fail("could not add an audio track") end
  local route = tracks:front()
  local proc = ARDOUR.LuaAPI.new_plugin(Session, URI, ARDOUR.PluginType.LV2, "")
  if proc:isnil() then fail(URI .. " not found or not instantiable (LV2_PATH?)") end
  if route:add_processor_by_index(proc, 0, nil, true) ~= 0 then fail("add_processor") end
  local plug = proc:to_insert():plugin(0)
  print("plugin: " .. plug:name() .. " " .. plug:unique_id())
  local map, order = control_map(plug)
  for _, label in ipairs({ "Latent z1", "Latent z2", "Gain", "Latency" }) do
    if not map[label] then fail("no control labelled " .. label) end
  end

  print_latency("default", proc, route, map)
  print_knobs("knobs_default", proc, map, order)
  export("default")

  set(proc, map, "Latent z1", 2.5)
  set(proc, map, "Latent z2", -1.5)
  sleep(0.5)
  print_knobs("knobs_set", proc, map, order)
  export("knobs")

  load_preset(plug, "Bell")
  sleep(0.5)
  print_knobs("knobs_bell", proc, map, order)
  print_latency("bell", proc, route, map)
  export("bell")

  load_preset(plug, tiny_label)
  print_latency("tiny", proc, route, map)
  print_knobs("knobs_saved", proc, map, order)
  export("tiny")
  -- Ardour resets (deactivates and activates) every insert after an export, so
  -- this second render starts from a reset at the saved settings, as the
  -- reopened session does.
  sleep(1.0)
  export("saved")

  if Session:save_state("") ~= 0 then fail("save_state") end
  print("saved: " .. Session:path())
elseif mode == "reopen" then
  if not load_session(sdir, "ancestral") then fail("load_session " .. sdir) end
  local route = Session:route_by_name("Ancestral")
  if route:isnil() then fail("track Ancestral missing after reopening") end
  local proc, plug = find_plugin(route)
  local map, order = control_map(plug)
  print_latency("reopened", proc, route, map)
  print_knobs("knobs_reopened", proc, map, order)
  export("reopened")
else
  fail("unknown mode " .. mode)
end
