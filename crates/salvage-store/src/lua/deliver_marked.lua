-- Deliver one outbox entry to its origin stream when that stream lives in another cluster slot
-- than Salvage's keys (Redis Cluster): XADD it and remember its tracking id in a marker set of the
-- stream's own slot, in one step, so that delivering the same entry again (after a relay died
-- between this and settling the entry in Salvage's slot) adds nothing. Runs on the stream's slot.
--
-- KEYS[1] the origin stream, KEYS[2] the marker set of its slot (tracking id scored by ms)
-- ARGV[1] tracking id, ARGV[2] now (ms), ARGV[3] how long a marker is kept (ms), then the
-- entry's field/value pairs.
-- Returns 'added', 'seen' (delivered before: nothing added), or 'type:<t>' (KEYS[1] holds a
-- Redis <t>, not a stream: nothing added).

if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 'seen' end
local ok, err = pcall(redis.call, 'XADD', KEYS[1], '*', unpack(ARGV, 4))
if not ok then
  local t = redis.call('TYPE', KEYS[1]).ok
  if t ~= 'none' and t ~= 'stream' then return 'type:' .. t end
  return redis.error_reply(tostring(err.err or err))
end
local now, keep = tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - keep)
redis.call('PEXPIRE', KEYS[2], keep)
return 'added'
