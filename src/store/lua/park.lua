-- Shared by the scripts that park (prepended to them by store/mod.rs).
--
-- park_message(prefix, now, p) creates a parked record and its indexes, and marks the message
-- state parked (kept until an operator resolves it). p: tid, mkey, fields (flat list of
-- field/value pairs for the record: id, destination, payload, headers, failure, attempts, ...),
-- group, queue, code, err_message, reason, rule, attempt.
local function park_message(prefix, now, p)
  local rec = prefix .. ':parked:' .. p.tid
  redis.call('HSET', rec, unpack(p.fields))
  redis.call('HSET', rec, 'tracking_id', p.tid, 'message_key', p.mkey, 'group', p.group,
    'queue', p.queue, 'reason', p.reason, 'rule', p.rule, 'first_seen', now, 'last_seen', now,
    'version', 1, 'reports', 1)
  redis.call('ZADD', prefix .. ':idx:parked', now, p.tid)
  redis.call('ZADD', prefix .. ':idx:queue:' .. p.queue, now, p.tid)
  redis.call('ZADD', prefix .. ':idx:group:' .. p.group, now, p.tid)
  local g = prefix .. ':group:' .. p.group
  redis.call('HINCRBY', g, 'count', 1)
  redis.call('HSETNX', g, 'first_seen', now)
  redis.call('HSETNX', g, 'queue', p.queue)
  redis.call('HSETNX', g, 'code', p.code)
  redis.call('HSETNX', g, 'sample_message', p.err_message)
  redis.call('HSET', g, 'last_seen', now)
  redis.call('ZADD', prefix .. ':groups', now, p.group)
  redis.call('ZINCRBY', prefix .. ':queues', 1, p.queue)
  local st = prefix .. ':msg:' .. p.mkey
  redis.call('HSET', st, 'status', 'parked', 'parked_tid', p.tid, 'pending', 0,
    'last_tid', p.tid, 'attempts', p.attempt, 'last_rule', p.rule, 'updated', now)
  redis.call('PERSIST', st)
  redis.call('PERSIST', prefix .. ':hist:' .. p.mkey)
end

-- The history list as one JSON array.
local function history_json(hist)
  return '[' .. table.concat(redis.call('LRANGE', hist, 0, -1), ',') .. ']'
end
