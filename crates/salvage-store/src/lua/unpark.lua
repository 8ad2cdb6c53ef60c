-- Shared by the scripts that take records out of the parking lot or put them back (prepended by
-- store/parking.rs, after park.lua).

-- Remove parked record `tid` (its hash is `rec`) from the parking lot's indexes and counts.
-- Returns its queue, group, message key and parked-at time.
local function unindex_parked(prefix, tid, rec)
  local f = redis.call('HMGET', rec, 'queue', 'group', 'message_key', 'first_seen')
  local queue, group = f[1] or '', f[2] or ''
  redis.call('ZREM', prefix .. ':idx:parked', tid)
  redis.call('ZREM', prefix .. ':idx:queue:' .. queue, tid)
  redis.call('ZREM', prefix .. ':idx:group:' .. group, tid)
  local g = prefix .. ':group:' .. group
  if redis.call('HINCRBY', g, 'count', -1) <= 0 then
    redis.call('DEL', g)
    redis.call('ZREM', prefix .. ':groups', group)
    redis.call('ZREM', prefix .. ':groups:count', group)
  else
    redis.call('ZINCRBY', prefix .. ':groups:count', -1, group)
  end
  if tonumber(redis.call('ZINCRBY', prefix .. ':queues', -1, queue)) <= 0 then
    redis.call('ZREM', prefix .. ':queues', queue)
  end
  return queue, group, f[3] or '', tonumber(f[4]) or 0
end

-- Put record `tid` (hash `rec`, already renamed back) into the parking lot's indexes and counts.
local function index_parked(prefix, tid, rec, now)
  local f = redis.call('HMGET', rec, 'queue', 'group', 'first_seen', 'code', 'failure')
  local queue, group, at = f[1] or '', f[2] or '', tonumber(f[3]) or now
  redis.call('ZADD', prefix .. ':idx:parked', at, tid)
  redis.call('ZADD', prefix .. ':idx:queue:' .. queue, at, tid)
  redis.call('ZADD', prefix .. ':idx:group:' .. group, at, tid)
  local g = prefix .. ':group:' .. group
  if redis.call('HINCRBY', g, 'count', 1) == 1 then
    local ok, failure = pcall(cjson.decode, f[5] or '{}')
    local message = ''
    if ok and type(failure) == 'table' and type(failure.message) == 'string' then
      message = failure.message
    end
    redis.call('HSET', g, 'first_seen', at, 'last_seen', at, 'queue', queue, 'code', f[4] or '',
      'sample_message', message)
  end
  local last = tonumber(redis.call('HGET', g, 'last_seen')) or at
  if at > last then redis.call('HSET', g, 'last_seen', at); last = at end
  redis.call('ZADD', prefix .. ':groups', last, group)
  redis.call('ZINCRBY', prefix .. ':groups:count', 1, group)
  redis.call('ZINCRBY', prefix .. ':queues', 1, queue)
  return queue, group
end

-- Append an operator action to the audit stream: ARGV[from] is the number of field/value pairs
-- that follow; `extra` (a flat list) is appended.
local function audit(prefix, max, from, extra)
  local n = tonumber(ARGV[from])
  if n == 0 then return end
  local fields = {}
  for i = from + 1, from + 2 * n do table.insert(fields, ARGV[i]) end
  for _, v in ipairs(extra or {}) do table.insert(fields, v) end
  redis.call('XADD', prefix .. ':audit', 'MAXLEN', '~', max, '*', unpack(fields))
end
