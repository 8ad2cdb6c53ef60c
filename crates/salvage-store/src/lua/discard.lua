-- Move parked records to the archive (an operator's discard, or retention expiring them). The
-- record keeps its fields and gains discarded_at/_by/_reason; the message's state is dropped, so
-- a later report of it is a new failure. (park.lua and unpark.lua are prepended.)
--
-- KEYS[1] <prefix>:idx:parked: it names the slot the script runs on (a Redis Cluster routes a script by its
-- keys); every key is derived from the prefix, which carries the same hash tag.
-- ARGV: prefix, now, state TTL (s), events cap, audit cap, actor, reason, event kind
-- (discarded | expired), n, n tracking ids, then the audit fields (count, pairs).
-- Returns { moved, parked-at of each moved record... }.

local prefix, now, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local actor, reason, kind = ARGV[6], ARGV[7], ARGV[8]
local n = tonumber(ARGV[9])
local out, moved, tids, queue1, group1 = { 0 }, {}, {}, nil, nil
for i = 10, 9 + n do
  local tid = ARGV[i]
  local rec = prefix .. ':parked:' .. tid
  if redis.call('EXISTS', rec) == 1 then
    local queue, group, mkey, at = unindex_parked(prefix, tid, rec)
    local arc = prefix .. ':archive:' .. tid
    redis.call('RENAME', rec, arc)
    redis.call('HSET', arc, 'discarded_at', now, 'discarded_by', actor, 'discard_reason', reason)
    redis.call('ZADD', prefix .. ':idx:archive', now, tid)
    if mkey ~= '' then
      local st = prefix .. ':msg:' .. mkey
      -- Forget the message's state: if it is ever reported again, that is a new failure to
      -- look at (parked again, visible), not a duplicate to drop. Its history stays on the record.
      if redis.call('HGET', st, 'parked_tid') == tid then redis.call('DEL', st) end
    end
    table.insert(out, at)
    table.insert(tids, tid)
    queue1 = queue1 or queue
    group1 = group1 or group
  end
end
out[1] = #tids
-- After the audit fields: how many an operator action's earlier parts moved in other buckets
-- (the audit entry goes with its last part and counts them all).
local before = tonumber(ARGV[10 + n + 1 + 2 * tonumber(ARGV[10 + n])]) or 0
if #tids > 0 then
  parking_event(prefix, ARGV[4], kind, table.concat(tids, ','), queue1, group1, actor, now)
end
if #tids + before > 0 then
  audit(prefix, ARGV[5], 10 + n, { 'moved', tostring(#tids + before) })
end
return out
