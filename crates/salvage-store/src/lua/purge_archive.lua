-- Delete archived records for good (retention of the archive): those discarded before a cutoff,
-- then the oldest past a maximum count, at most `limit` per call.
--
-- KEYS[1] <prefix>:idx:archive: it names the slot the script runs on (a Redis Cluster routes a script by its
-- keys); every key is derived from the prefix, which carries the same hash tag.
-- ARGV: prefix, cutoff (ms; 0 = no age limit), max count (0 = none), limit, now, events cap.
-- Returns the number deleted.

local prefix, cutoff, max, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local idx = prefix .. ':idx:archive'
local victims = {}
if cutoff > 0 then
  victims = redis.call('ZRANGE', idx, '-inf', '(' .. cutoff, 'BYSCORE', 'LIMIT', 0, limit)
end
if #victims < limit and max > 0 then
  local excess = redis.call('ZCARD', idx) - #victims - max
  if excess > 0 then
    local more = redis.call('ZRANGE', idx, #victims, #victims + math.min(excess, limit - #victims) - 1)
    for _, t in ipairs(more) do table.insert(victims, t) end
  end
end
for _, tid in ipairs(victims) do
  redis.call('DEL', prefix .. ':archive:' .. tid)
  redis.call('ZREM', idx, tid)
end
if #victims > 0 then
  parking_event(prefix, ARGV[6], 'expired', table.concat(victims, ','), '', '', 'retention',
    ARGV[5])
end
return #victims
