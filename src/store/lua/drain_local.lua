-- Deliver outbox entries whose destination is a stream on this same Redis: XADD the message to
-- its origin stream and remove the entry in one atomic step, so each is delivered exactly once
-- even when several Salvage processes drain the same outbox or one dies midway.
--
-- KEYS[1] the outbox stream <prefix>:outbox:<destination>
-- ARGV[1] prefix, ARGV[2] at most this many entries
-- Returns the number delivered.
--
-- Outbox entry fields: tracking_id, message_key, destination, queue, then the stream entry's own
-- fields (id, payload, headers, ...) exactly as they go onto the origin stream.

local prefix = ARGV[1]
local entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', tonumber(ARGV[2]))
for _, entry in ipairs(entries) do
  local f = entry[2]
  local meta = {}
  local out = {}
  for i = 1, #f, 2 do
    local k = f[i]
    if k == 'tracking_id' or k == 'message_key' or k == 'destination' or k == 'queue' then
      meta[k] = f[i + 1]
    else
      table.insert(out, k)
      table.insert(out, f[i + 1])
    end
  end
  if meta.queue and #out > 0 then
    redis.call('XADD', meta.queue, '*', unpack(out))
  end
  redis.call('XDEL', KEYS[1], entry[1])
  if meta.message_key then
    local st = prefix .. ':msg:' .. meta.message_key
    if redis.call('HGET', st, 'last_tid') == meta.tracking_id then
      redis.call('HSET', st, 'pending', 0, 'status', 'requeued')
    end
  end
end
return #entries
