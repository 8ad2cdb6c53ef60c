-- Bring archived records back into the parking lot, with their tracking id, parked-at time and
-- indexes. A record whose message was parked again since it was discarded stays archived (one
-- message must not be parked twice). (park.lua and unpark.lua are prepended.)
--
-- KEYS[1] <prefix>:idx:archive: it names the slot the script runs on (a Redis Cluster routes a script by its
-- keys); every key is derived from the prefix, which carries the same hash tag.
-- ARGV: prefix, now, events cap, audit cap, actor, n, n tracking ids, then the audit fields.
-- Returns { restored, then for each one not restored: tracking id, why }.

local prefix, now, actor = ARGV[1], tonumber(ARGV[2]), ARGV[5]
local n = tonumber(ARGV[6])
local out, tids, queue1, group1 = { 0 }, {}, nil, nil
for i = 7, 6 + n do
  local tid = ARGV[i]
  local arc = prefix .. ':archive:' .. tid
  if redis.call('EXISTS', arc) == 0 then
    table.insert(out, tid); table.insert(out, 'not in the archive')
  else
    local mkey = redis.call('HGET', arc, 'message_key') or ''
    local st = prefix .. ':msg:' .. mkey
    local s = redis.call('HMGET', st, 'status', 'parked_tid')
    if s[1] == 'parked' and s[2] and s[2] ~= tid then
      table.insert(out, tid)
      table.insert(out, 'the message was parked again since, as ' .. s[2])
    else
      local rec = prefix .. ':parked:' .. tid
      redis.call('RENAME', arc, rec)
      redis.call('HDEL', rec, 'discarded_at', 'discarded_by', 'discard_reason')
      redis.call('ZREM', prefix .. ':idx:archive', tid)
      local queue, group = index_parked(prefix, tid, rec, now)
      if mkey ~= '' then
        redis.call('HSET', st, 'status', 'parked', 'parked_tid', tid, 'pending', 0,
          'last_tid', tid, 'updated', now)
        redis.call('HDEL', st, 'resubmit_run', 'history')
        redis.call('PERSIST', st)
      end
      table.insert(tids, tid)
      queue1 = queue1 or queue
      group1 = group1 or group
    end
  end
end
out[1] = #tids
-- After the audit fields: how many an operator action's earlier parts moved in other buckets
-- (the audit entry goes with its last part and counts them all).
local before = tonumber(ARGV[7 + n + 1 + 2 * tonumber(ARGV[7 + n])]) or 0
if #tids > 0 then
  parking_event(prefix, ARGV[3], 'restored', table.concat(tids, ','), queue1, group1, actor, now)
end
if #tids + before > 0 then
  audit(prefix, ARGV[4], 7 + n, { 'moved', tostring(#tids + before) })
end
return out
