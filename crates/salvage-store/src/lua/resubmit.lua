-- Resubmit a batch of parked records: send each back to its origin (XADD to the origin stream
-- inline, or to the destination's outbox, exactly as an automatic requeue) and take it out of the
-- parking lot in the same atomic step, then advance the run's cursor. A copy whose bytes an edit
-- or a repair changed can be recognised without its headers (last_rep 1: see report.lua). So a batch is either wholly
-- done or not at all, and a run killed between batches resumes at the next one: no message is
-- resubmitted twice by a run. (park.lua and unpark.lua are prepended.)
--
-- KEYS[1] the run hash (with several buckets, the bucket's copy that counts). ARGV: prefix, now, state TTL (s), events cap, owner (this process),
-- lease until (ms), new cursor, actor, extra skipped (records the caller left out: not repaired
-- by a re-triage), n, then per entry:
--   tracking id, expected version, new tracking id, target key, digest of the payload sent,
--   changed ('1' when the copy's bytes differ from the parked payload), history entry (JSON),
--   field count k, then k values (the XADD field/value list).
-- Returns { 'ok', resubmitted, skipped, parked-at of each resubmitted... }
--       | { 'stale', tracking id }   (edited since it was read: nothing done, read again)
--       | { 'lost' }                 (another process holds the run, or it was cancelled)
--       | { 'error', tracking id, message }  (the origin is not a stream: nothing done)

local prefix, now, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local run = KEYS[1]
local r = redis.call('HMGET', run, 'owner', 'state')
-- With several buckets the run is at home, in another slot: the caller checked its owner there
-- and passes '' (this hash only counts).
if ARGV[5] ~= '' and (r[1] ~= ARGV[5] or (r[2] ~= 'running')) then return { 'lost' } end

local n = tonumber(ARGV[10])
local entries, i = {}, 11
for _ = 1, n do
  local e = { tid = ARGV[i], version = ARGV[i + 1], new_tid = ARGV[i + 2], target = ARGV[i + 3],
    digest = ARGV[i + 4], changed = ARGV[i + 5], history = ARGV[i + 6], fields = {} }
  local k = tonumber(ARGV[i + 7])
  for j = i + 8, i + 7 + k do table.insert(e.fields, ARGV[j]) end
  i = i + 8 + k
  table.insert(entries, e)
end

-- All or nothing: check every entry before changing anything.
for _, e in ipairs(entries) do
  local rec = prefix .. ':parked:' .. e.tid
  local v = redis.call('HGET', rec, 'version')
  if v and v ~= e.version then return { 'stale', e.tid } end
  if v then
    local t = redis.call('TYPE', e.target).ok
    if t ~= 'none' and t ~= 'stream' then
      return { 'error', e.tid, 'origin queue ' .. e.target .. ' holds a Redis ' .. t ..
        ', not a stream' }
    end
  end
end

local out, done, skipped = { 'ok', 0, 0 }, {}, tonumber(ARGV[9])
local inline = 0   -- copies XADDed to their origin stream here: delivered now
local queue1, group1
for _, e in ipairs(entries) do
  local rec = prefix .. ':parked:' .. e.tid
  if redis.call('EXISTS', rec) == 1 then
    redis.call('XADD', e.target, '*', unpack(e.fields))
    local queue, group, mkey, at = unindex_parked(prefix, e.tid, rec)
    -- The record's history, for a message state that lost its own (restored from the archive).
    local attempts = redis.call('HGET', rec, 'attempts') or '[]'
    redis.call('DEL', rec)
    if mkey ~= '' then
      local st = prefix .. ':msg:' .. mkey
      local history = redis.call('HGET', st, 'history')
      if not history or #history == 0 then history = string.sub(attempts, 2, -2) end
      if #history > 0 then history = history .. ',' .. e.history
      else history = e.history end
      local pending = 0
      if string.find(e.target, prefix, 1, true) == 1 then pending = 1 end
      if pending == 0 then inline = inline + 1 end
      redis.call('HSET', st, 'status', 'requeued', 'pending', pending, 'last_tid', e.new_tid,
        'last_out', e.digest, 'last_rep', e.changed, 'attempts', 0, 'updated', now,
        'history', history,
        'resubmit_run', string.sub(run, #prefix + 6))
      redis.call('HDEL', st, 'parked_tid')
      redis.call('EXPIRE', st, ttl)
    end
    table.insert(out, at)
    table.insert(done, e.tid)
    queue1 = queue1 or queue
    group1 = group1 or group
  else
    skipped = skipped + 1
  end
end
out[2], out[3] = #done, skipped
redis.call('HINCRBY', run, 'resubmitted', #done)
redis.call('HINCRBY', run, 'skipped', skipped)
-- Outbox copies are counted when the relay settles them (settle_remote.lua, drain_local.lua).
if inline > 0 then redis.call('HINCRBY', run, 'delivered', inline) end
redis.call('HSET', run, 'cursor', ARGV[7], 'updated_at', now, 'lease_until', ARGV[6])
if #done > 0 then
  -- The console's "last hour" (reports are counted by each process: store/console.rs).
  local bucket = prefix .. ':stats:' .. math.floor(now / 60000)
  if redis.call('HINCRBY', bucket, 'resubmitted', #done) == #done then
    redis.call('EXPIRE', bucket, 7200)
  end
  parking_event(prefix, ARGV[4], 'resubmitted', table.concat(done, ','), queue1, group1, ARGV[8],
    now)
end
return out
