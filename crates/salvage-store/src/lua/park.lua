-- Shared by the scripts that park (prepended to them by store/mod.rs).

-- A parking-lot event for WatchParked: a short, capped stream (a buffer for live views, not a log).
local function parking_event(prefix, max, kind, tids, queue, group, actor, now)
  redis.call('XADD', prefix .. ':events', 'MAXLEN', '~', max, '*', 'kind', kind, 'tids', tids,
    'queue', queue, 'group', group, 'actor', actor, 'at', now)
end
--
-- state_history(prefix, st) returns the attempts so far and the history (comma-separated JSON
-- objects, '' for none) of message state `st`: its `history` field, or, while the message is
-- parked, its record's `attempts` (a JSON array; a parked state does not hold its history).
local function state_history(prefix, st)
  local k = redis.call('HMGET', st, 'attempts', 'history', 'parked_tid')
  local history = k[2]
  if not history and k[3] then
    local attempts = redis.call('HGET', prefix .. ':parked:' .. k[3], 'attempts')
    if attempts then history = string.sub(attempts, 2, -2) end
  end
  return tonumber(k[1]) or 0, history or ''
end
--
-- park_message(prefix, now, p) creates a parked record and its indexes, and marks the message
-- state parked (kept until an operator resolves it; without its history, which the record holds). p: tid, mkey, fields (flat list of
-- field/value pairs for the record: id, destination, payload, headers, failure, ...), history
-- (the attempts as comma-separated JSON objects), group, queue, code, err_message, reason, rule,
-- attempt, events_max (the cap of the events stream).
local function park_message(prefix, now, p)
  local rec = prefix .. ':parked:' .. p.tid
  redis.call('HSET', rec, unpack(p.fields))
  redis.call('HSET', rec, 'tracking_id', p.tid, 'message_key', p.mkey, 'group', p.group,
    'queue', p.queue, 'reason', p.reason, 'rule', p.rule, 'first_seen', now, 'last_seen', now,
    'version', 1, 'reports', 1, 'attempts', '[' .. p.history .. ']', 'code', p.code)
  redis.call('ZADD', prefix .. ':idx:parked', now, p.tid)
  redis.call('ZADD', prefix .. ':idx:queue:' .. p.queue, now, p.tid)
  redis.call('ZADD', prefix .. ':idx:group:' .. p.group, now, p.tid)
  local g = prefix .. ':group:' .. p.group
  if redis.call('HINCRBY', g, 'count', 1) == 1 then
    redis.call('HSET', g, 'first_seen', now, 'last_seen', now, 'queue', p.queue, 'code', p.code,
      'sample_message', p.err_message)
  else
    redis.call('HSET', g, 'last_seen', now)
  end
  redis.call('ZADD', prefix .. ':groups', now, p.group)
  redis.call('ZINCRBY', prefix .. ':groups:count', 1, p.group)
  redis.call('ZINCRBY', prefix .. ':queues', 1, p.queue)
  -- The state of a parked message: small fields only, written afresh (a hash that held its
  -- history is a hashtable, and Redis never converts one back; written anew it is a listpack).
  -- Its history is the record's `attempts` while it is parked (state_history reads it there).
  local st = prefix .. ':msg:' .. p.mkey
  redis.call('DEL', st)
  redis.call('HSET', st, 'status', 'parked', 'parked_tid', p.tid, 'pending', 0,
    'last_tid', p.tid, 'attempts', p.attempt, 'last_rule', p.rule, 'updated', now)
  parking_event(prefix, p.events_max, 'parked', p.tid, p.queue, p.group, 'salvage', now)
end
