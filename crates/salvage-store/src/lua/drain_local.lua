-- Deliver outbox entries whose destination is a stream on this same Redis: XADD the message to
-- its origin stream and remove the entry in one atomic step, so each is delivered exactly once
-- even when several Salvage processes drain the same outbox or one dies midway.
-- (park.lua is prepended.)
--
-- An entry that cannot be delivered (its origin queue holds another Redis type) is parked with
-- the error as reason instead of blocking the outbox: nothing is dropped.
--
-- KEYS[1] the outbox stream <prefix>:outbox:<destination>
-- ARGV[1] prefix, ARGV[2] at most this many entries, ARGV[3] now (ms), ARGV[4] state TTL (s),
-- ARGV[5..10] the destination's field names: id, payload, headers, content_type, event_type,
-- partition_key, ARGV[11] the cap of the parking-lot events stream.
-- Returns { delivered, parked }.
--
-- Outbox entry fields: tracking_id, message_key, destination, queue (and run, for a copy an
-- operator resubmitted), then the stream entry's own fields (id, payload, headers, ...) exactly as they go onto the origin stream.

local prefix = ARGV[1]
local now = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local canonical = { [ARGV[5]] = 'id', [ARGV[6]] = 'payload', [ARGV[7]] = 'headers',
  [ARGV[8]] = 'content_type', [ARGV[9]] = 'event_type', [ARGV[10]] = 'partition_key' }
local delivered, parked = 0, 0
local entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', tonumber(ARGV[2]))
for _, entry in ipairs(entries) do
  local f = entry[2]
  local meta, out, named = {}, {}, {}
  for i = 1, #f, 2 do
    local k, v = f[i], f[i + 1]
    if k == 'tracking_id' or k == 'message_key' or k == 'destination' or k == 'queue' or
        k == 'run' then
      meta[k] = v
    else
      table.insert(out, k)
      table.insert(out, v)
      if canonical[k] then named[canonical[k]] = v end
    end
  end
  local ok, err = false, 'outbox entry has no queue or message'
  if meta.queue and #out > 0 then
    ok, err = pcall(redis.call, 'XADD', meta.queue, '*', unpack(out))
    if not ok then
      local t = redis.call('TYPE', meta.queue).ok
      -- Not a type problem (e.g. out of memory): stop here, the entry stays for the next pass.
      if t == 'none' or t == 'stream' then return redis.error_reply(tostring(err.err or err)) end
      err = 'origin queue holds a Redis ' .. t .. ', not a stream'
    end
  end
  redis.call('XDEL', KEYS[1], entry[1])
  local mkey = meta.message_key
  local run = meta.run and (prefix .. ':run:' .. meta.run)
  if ok then
    delivered = delivered + 1
    if run then redis.call('HINCRBY', run, 'delivered', 1) end
    if mkey then
      local st = prefix .. ':msg:' .. mkey
      if redis.call('HGET', st, 'last_tid') == meta.tracking_id then
        redis.call('HSET', st, 'pending', 0, 'status', 'requeued')
        redis.call('EXPIRE', st, ttl)
      end
    end
  else
    parked = parked + 1
    if run then redis.call('HINCRBY', run, 'delivery_failed', 1) end
    local msg = tostring(err and (err.err or err) or 'error')
    local queue = meta.queue or ''
    local tid = meta.tracking_id or entry[1]
    mkey = mkey or tid
    local st = prefix .. ':msg:' .. mkey
    local attempt, history = state_history(prefix, st)
    park_message(prefix, now, {
      tid = tid, mkey = mkey, queue = queue, code = 'DELIVERY_FAILED', err_message = msg,
      group = string.sub(redis.sha1hex(queue .. '\0DELIVERY_FAILED'), 1, 16),
      reason = 'delivery to ' .. queue .. ' failed: ' .. msg, rule = '',
      attempt = attempt, history = history, events_max = ARGV[11],
      fields = { 'id', named.id or '', 'destination', meta.destination or '',
        'partition_key', named.partition_key or '', 'content_type', named.content_type or '',
        'event_type', named.event_type or '', 'payload', named.payload or '',
        'headers', named.headers or '{}',
        'failure', cjson.encode({ class = 'unknown', code = 'DELIVERY_FAILED', message = msg }) },
    })
  end
end
return { delivered, parked }
