-- Move retries that are due from the schedule to their destination's outbox, atomically, so a
-- retry is never lost or doubled whichever Salvage process runs this.
--
-- KEYS[1] the retry schedule <prefix>:retries (tracking id scored by due time in ms)
-- ARGV[1] prefix, ARGV[2] now (ms), ARGV[3] at most this many
-- Returns the number moved.

local prefix = ARGV[1]
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, tid in ipairs(due) do
  local job = prefix .. ':job:' .. tid
  local fields = redis.call('HGETALL', job)
  redis.call('ZREM', KEYS[1], tid)
  redis.call('DEL', job)
  if #fields > 0 then
    local dest = ''
    for i = 1, #fields, 2 do
      if fields[i] == 'destination' then dest = fields[i + 1] end
    end
    redis.call('XADD', prefix .. ':outbox:' .. dest, '*', 'tracking_id', tid, unpack(fields))
  end
end
return #due
