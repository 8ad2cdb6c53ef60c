-- Settle outbox entries of a broker destination after publishing: remove the delivered ones (and
-- mark their message no longer pending, if this entry is still the copy Salvage sent last), and
-- park the ones the broker refused too often, with the broker's error as the reason, in the same
-- step that removes them, unless the message has moved on since (a newer attempt or a park):
-- then the entry is only removed. (park.lua is prepended.)
--
-- KEYS[1] the outbox stream, KEYS[2] its attempts hash (settled entries are forgotten there). ARGV: prefix, now (ms), state TTL (s), events cap, n, then per entry:
-- entry id, action ('done' | 'park'), error text ('' for done).
-- Returns { delivered, parked }.

local prefix, now, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local n = tonumber(ARGV[5])
local delivered, parked = 0, 0
for i = 0, n - 1 do
  local id, action, err = ARGV[6 + 3 * i], ARGV[7 + 3 * i], ARGV[8 + 3 * i]
  redis.call('HDEL', KEYS[2], id)
  local found = redis.call('XRANGE', KEYS[1], id, id)
  if #found == 1 then
    local f = found[1][2]
    local m = {}
    for j = 1, #f, 2 do m[f[j]] = f[j + 1] end
    redis.call('XDEL', KEYS[1], id)
    local mkey = m.message_key or m.tracking_id or id
    local st = prefix .. ':msg:' .. mkey
    -- A copy an operator resubmitted counts as delivered or failed on its run.
    local run = m.run and (prefix .. ':run:' .. m.run)
    if action == 'done' then
      delivered = delivered + 1
      if run then redis.call('HINCRBY', run, 'delivered', 1) end
      if m.message_key and redis.call('HGET', st, 'last_tid') == m.tracking_id then
        redis.call('HSET', st, 'pending', 0, 'status', 'requeued')
        redis.call('EXPIRE', st, ttl)
      end
    elseif m.message_key and redis.call('EXISTS', st) == 1 and
        (redis.call('HGET', st, 'last_tid') ~= m.tracking_id or
         redis.call('HGET', st, 'status') == 'parked') then
      -- Refused now, but superseded: the message moved on (its consumer reported this copy, which
      -- proves an earlier publish was delivered, or it was parked since). Parking it again would
      -- make a second record of one message; the entry is only removed.
      delivered = delivered + 1
      if run then redis.call('HINCRBY', run, 'delivered', 1) end
    else
      parked = parked + 1
      if run then redis.call('HINCRBY', run, 'delivery_failed', 1) end
      local queue = m.queue or ''
      local attempt, history = state_history(prefix, st)
      park_message(prefix, now, {
        tid = m.tracking_id or id, mkey = mkey, queue = queue, code = 'DELIVERY_FAILED',
        err_message = err,
        group = string.sub(redis.sha1hex(queue .. '\0DELIVERY_FAILED'), 1, 16),
        reason = 'delivery to ' .. queue .. ' failed: ' .. err, rule = '',
        attempt = attempt, history = history, events_max = ARGV[4],
        fields = { 'id', m.id or '', 'destination', m.destination or '',
          'partition_key', m.partition_key or '', 'content_type', m.content_type or '',
          'event_type', m.event_type or '', 'payload', m.payload or '',
          'headers', m.headers or '{}',
          'failure', cjson.encode({ class = 'unknown', code = 'DELIVERY_FAILED', message = err }) },
      })
    end
  end
end
return { delivered, parked }
