-- ardour_session.lua — drives headless Ardour 7 (ardour7-lua, "None (Dummy)"
-- backend) through the Ancestral plugin's life in a session. Run by
-- test_ardour.sh, which sets HOME and LV2_PATH and checks the renders and the
-- figures printed here.
--
--   ardour7-lua ardour_session.lua create SESSION_DIR OUT_DIR SECONDS TINY_PRESET_LABEL
--     New 48 kHz session, one audio track "Ancestral", the plugin inserted by
--     URI. Renders OUT_DIR/{default,knobs,bell,tiny,saved}.wav: the default
--     model as inserted; with z1 = 2.5, z2 = -1.5; after the shipped preset
--     "Bell"; after the preset TINY_PRESET_LABEL (another model file, loaded
--     through the preset's state); the same settings once more. Saves the session.
--   ardour7-lua ardour_session.lua reopen SESSION_DIR OUT_DIR SECONDS
--     Loads the saved session and renders OUT_DIR/reopened.wav.
--   ardour7-lua ardour_session.lua midi SESSION_DIR OUT_DIR SECONDS PRESET_LABEL
--     New session, one MIDI track with the plugin as its instrument, preset
--     PRESET_LABEL and the drone off; a MIDI region with three notes (printed
--     as `midi_note: START_S LENGTH_S PITCH`). Renders OUT_DIR/midi.wav.
--   ardour7-lua ardour_session.lua transfer SESSION_DIR OUT_DIR SECONDS PRESET_LABEL
--     New session. The input: a MIDI track with Ardour's own ACE Reasonable
--     Synth plays a MIDI region of three notes (printed as above), bounced
--     into an audio region (OUT_DIR/transfer_in.wav). That region on the
--     playlist of an audio track "Transfer" whose insert is the transfer
--     effect (urn:ancestral:transfer, its default model); the track bounced
--     through it: OUT_DIR/transfer.wav. Then the preset PRESET_LABEL (another
--     model, another latency) and OUT_DIR/transfer_preset.wav. Each with its
--     latency lines (transfer_, transfer_preset_).
--
-- Renders are bounces of the track (Track:bounce_range), not exports: Ardour
-- 7.3's Lua SimpleExport corrupts the heap (its ExportProfileManager, freed by
-- Lua's garbage collector at teardown, and during exports). Measured on one
-- machine, create and reopen as here: with one SimpleExport per render, 11 of
-- 11 create steps crashed (without MALLOC_PERTURB_); with one per process,
-- dropped before the session closes, 5 crashes in 10 runs; collected after
-- each render, 2 of 6 create steps crashed under MALLOC_PERTURB_; with
-- bounces, none in 10 runs under MALLOC_PERTURB_.
--
-- Prints `key: value` lines, per step: `STEP_latency_port` (what the plugin's
-- lv2:latency port reads), `STEP_latency_ardour` (the insert's
-- signal_latency(), what Ardour compensates), `STEP_latency_route`,
-- `knobs_STEP` (every control input, by label) and `render` (each file
-- written). A failed step raises an error starting with FAIL (ardour7-lua then
-- exits 1).

local RATE = 48000
local BLOCK = 256
local URI = "urn:ancestral:synth"
local TRANSFER_URI = "urn:ancestral:transfer"
local ACE_SYNTH_URI = "https://community.ardour.org/node/7596" -- ACE Reasonable Synth

local mode, sdir, odir, seconds = arg[1], arg[2], arg[3], tonumber(arg[4] or "")
assert(mode and sdir and odir and seconds,
       "usage: ardour_session.lua create|reopen|midi|transfer SESSION_DIR OUT_DIR SECONDS [PRESET_LABEL]")

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

-- A region's first source file copied to OUT_DIR/NAME.wav.
local function copy_region(region, name)
  local src = region:source(0):to_filesource()
  if src:isnil() then fail("bounce " .. name .. ": not a file") end
  local fin = io.open(src:path(), "rb")
  if not fin then fail("bounce " .. name .. ": cannot read " .. src:path()) end
  local data = fin:read("a")
  fin:close()
  local out = odir .. "/" .. name .. ".wav"
  local fout = io.open(out, "wb")
  if not fout or not fout:write(data) or not fout:close() then fail("cannot write " .. out) end
  print("render: " .. out)
end

-- Notes into a MIDI track's playlist, as a region: Ardour 7.3's Lua cannot
-- import a MIDI file, so the region is a bounce of the track's (empty) MIDI up
-- to proc, put on the playlist and filled with notes through its model. Notes:
-- start and length in beats (quarter notes), pitch; channel 1.
local function midi_region(track, proc, len, notes)
  local region = track:bounce_range(0, len, ARDOUR.InterThreadInfo(), proc, false, "anc-notes")
  if region:isnil() then fail("bounce of the MIDI (the empty region) failed") end
  local mregion = region:to_midiregion()
  if mregion:isnil() then fail("the bounce before the instrument is not a MIDI region") end
  track:playlist():add_region(region, Temporal.timepos_t(0), 1, false)
  local qpm = Temporal.TempoMap.read():tempo_at(Temporal.timepos_t(0)):quarter_notes_per_minute()
  print(string.format("midi_tempo_qpm: %.6f", qpm))
  local model = mregion:model()
  local cmd = model:new_note_diff_command("notes")
  for _, n in ipairs(notes) do
    cmd:add(ARDOUR.LuaAPI.new_noteptr(0, Temporal.Beats(n[1], 0), Temporal.Beats(n[2], 0), n[3], 100))
    print(string.format("midi_note: %.6f %.6f %d", n[1] * 60 / qpm, n[2] * 60 / qpm, n[3]))
  end
  model:apply_command(Session, cmd)
  local count = ARDOUR.LuaAPI.note_list(model):size()
  if count ~= #notes then fail(string.format("the region holds %d notes, not %d", count, #notes)) end
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

-- Brings the plugin to a defined state before a bounce, as a host does when
-- it deactivates and re-activates an insert: the plugin's LV2 activate()
-- clears all its signal state, so every bounce starts from the same state,
-- whatever ran before. Needed because Ardour 7.3 sends no time:Position to an
-- instrument on an audio track (its MIDI-capable control input is left unfed
-- there), so the plugin's own reset at transport start never comes, and the
-- engine keeps running the plugin between bounces for as long as Lua takes.
-- In Ardour 7.3 (libs/ardour/plugin_insert.cc, route.cc):
--  1. deactivate(): the insert's next run() in the engine's process thread
--     calls the plugin's deactivate() and from then on bypasses it;
--  2. the route set inactive: the engine no longer processes it at all
--     (Route::set_active also marks each insert to flush, i.e. deactivate()
--     and activate() the plugin, at its next run() while active);
--  3. activate(): calls the plugin's activate() here, while nothing runs it;
--  4. the bounce runs the route's processors itself: the insert flushes the
--     plugin (deactivate(), activate()) and runs it from there.
-- The sleeps let cycles of the engine already under way end. The route is
-- set active again after the bounce.
local function reset_plugin(route, proc)
  proc:deactivate()
  sleep(0.2)
  route:set_active(false, nil)
  if route:active() then fail("could not set the route inactive for a reset") end
  sleep(0.2)
  proc:activate()
  if not proc:active() then fail("could not activate the plugin insert") end
end

-- Bounces SECONDS from the session start through the track's processors up to
-- and including the plugin (before the fader), as a float WAV in the session's
-- audio files, and copies it to OUT_DIR/NAME.wav. Returns the bounced region.
local function render(name, route, proc)
  reset_plugin(route, proc)
  local region = route:to_track():bounce_range(0, math.floor(seconds * RATE), ARDOUR.InterThreadInfo(),
                                               proc, true, "anc-" .. name)
  route:set_active(true, nil)
  if region:isnil() then fail("bounce " .. name .. " failed") end
  copy_region(region, name)
  return region
end

local function load_preset(plug, label)
  local pr = plug:preset_by_label(label)
  if not pr then fail("preset \"" .. label .. "\" not found") end
  if not plug:load_preset(pr) then fail("Ardour could not load preset " .. label) end
  print("preset: " .. pr.label .. " " .. pr.uri)
end

start_engine()

if mode == "create" then
  local tiny_label = arg[5]
  assert(tiny_label, "create needs TINY_PRESET_LABEL")
  if not create_session(sdir, "ancestral", RATE) then fail("create_session " .. sdir) end
  print(string.format("session: %s rate=%d block=%d", Session:path(), Session:nominal_sample_rate(),
                      Session:get_block_size()))
  -- A mono track: the plugin (mono out) is its first processor, so the bounce
  -- is the plugin's output itself.
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
  render("default", route, proc)

  set(proc, map, "Latent z1", 2.5)
  set(proc, map, "Latent z2", -1.5)
  sleep(0.5)
  print_knobs("knobs_set", proc, map, order)
  render("knobs", route, proc)

  load_preset(plug, "Bell")
  sleep(0.5)
  print_knobs("knobs_bell", proc, map, order)
  print_latency("bell", proc, route, map)
  render("bell", route, proc)

  load_preset(plug, tiny_label)
  print_latency("tiny", proc, route, map)
  print_knobs("knobs_saved", proc, map, order)
  render("tiny", route, proc)
  -- Every bounce starts at the session start from a plugin just activated
  -- (reset_plugin): this second render is what the reopened session must
  -- give, sample for sample.
  sleep(1.0)
  render("saved", route, proc)

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
  render("reopened", route, proc)
elseif mode == "midi" then
  -- An instrument on a MIDI track playing a MIDI region made here
  -- (midi_region); the audio is a second bounce, through the instrument.
  local preset_label = arg[5]
  assert(preset_label, "midi needs PRESET_LABEL")
  if not create_session(sdir, "ancestral-midi", RATE) then fail("create_session " .. sdir) end
  local pi = ARDOUR.LuaAPI.new_plugin_info(URI, ARDOUR.PluginType.LV2)
  if pi:isnil() then fail(URI .. " not found (LV2_PATH?)") end
  local tracks = Session:new_midi_track(ARDOUR.ChanCount(ARDOUR.DataType("midi"), 1),
                                        ARDOUR.ChanCount(ARDOUR.DataType("audio"), 1), false, pi, nil, nil, 1,
                                        "Ancestral MIDI", ARDOUR.PresentationInfo.max_order,
                                        ARDOUR.TrackMode.Normal, true, false)
  if tracks:size() ~= 1 then fail("could not add a MIDI track with the instrument") end
  local route = tracks:front()
  local proc = route:the_instrument()
  if proc:isnil() or proc:to_insert():plugin(0):unique_id() ~= URI then fail("the MIDI track has no " .. URI) end
  local plug = proc:to_insert():plugin(0)
  print("plugin: " .. plug:name() .. " " .. plug:unique_id() .. " on a MIDI track")
  local map, order = control_map(plug)
  -- A pitch-relative model (notes play at their pitch), and no drone: only
  -- the notes sound.
  load_preset(plug, preset_label)
  set(proc, map, "Drone", 0)
  print_latency("midi", proc, route, map)
  print_knobs("knobs_midi", proc, map, order)

  midi_region(route:to_track(), proc, math.floor(seconds * RATE), { { 1, 1, 57 }, { 3, 1, 69 }, { 5, 1, 64 } })
  render("midi", route, proc)
elseif mode == "transfer" then
  if not create_session(sdir, "ancestral-transfer", RATE) then fail("create_session " .. sdir) end
  local len = math.floor(seconds * RATE)
  -- The input: ACE Reasonable Synth on a MIDI track, bounced into an audio region.
  local pi = ARDOUR.LuaAPI.new_plugin_info(ACE_SYNTH_URI, ARDOUR.PluginType.LV2)
  if pi:isnil() then fail("ACE Reasonable Synth (" .. ACE_SYNTH_URI .. ") not found") end
  local mtracks = Session:new_midi_track(ARDOUR.ChanCount(ARDOUR.DataType("midi"), 1),
                                         ARDOUR.ChanCount(ARDOUR.DataType("audio"), 1), false, pi, nil, nil, 1,
                                         "Source", ARDOUR.PresentationInfo.max_order,
                                         ARDOUR.TrackMode.Normal, true, false)
  if mtracks:size() ~= 1 then fail("could not add the source MIDI track") end
  local mroute = mtracks:front()
  local synth = mroute:the_instrument()
  if synth:isnil() then fail("the source track has no instrument") end
  midi_region(mroute:to_track(), synth, len, { { 1, 2, 57 }, { 3, 2, 64 }, { 5, 2, 69 } })
  local input = render("transfer_in", mroute, synth)
  mroute:set_active(false, nil)

  -- The effect on an audio track playing that region.
  local tracks = Session:new_audio_track(1, 1, nil, 1, "Transfer", ARDOUR.PresentationInfo.max_order,
                                         ARDOUR.TrackMode.Normal, false)
  if tracks:size() ~= 1 then fail("could not add an audio track") end
  local route = tracks:front()
  route:to_track():playlist():add_region(input, Temporal.timepos_t(0), 1, false)
  local proc = ARDOUR.LuaAPI.new_plugin(Session, TRANSFER_URI, ARDOUR.PluginType.LV2, "")
  if proc:isnil() then fail(TRANSFER_URI .. " not found or not instantiable (LV2_PATH?)") end
  if route:add_processor_by_index(proc, 0, nil, true) ~= 0 then fail("add_processor") end
  local plug = proc:to_insert():plugin(0)
  print("plugin: " .. plug:name() .. " " .. plug:unique_id() .. " on an audio track with a region")
  local map, order = control_map(plug)
  for _, label in ipairs({ "Latent z1", "Transpose", "Mix", "Latency" }) do
    if not map[label] then fail("no control labelled " .. label) end
  end
  print_latency("transfer", proc, route, map)
  print_knobs("knobs_transfer", proc, map, order)
  render("transfer", route, proc)
  local preset_label = arg[5]
  assert(preset_label, "transfer needs PRESET_LABEL")
  load_preset(plug, preset_label)
  print_latency("transfer_preset", proc, route, map)
  render("transfer_preset", route, proc)
else
  fail("unknown mode " .. mode)
end
