-- Commit the outcome of one report, atomically. Called once per report (the hot path).
--
-- The rule engine has already proposed a decision; this script applies loop protection and
-- duplicate detection on the message's state and commits exactly one outcome:
--   REQUEUED         inline: XADD to the origin stream (same Redis: exactly once)
--                    outbox: XADD to the destination's outbox stream (the relay delivers it)
--   RETRY_SCHEDULED  the requeue job is stored and scheduled in the retry sorted set
--   PARKED           a parked record, indexed by time, origin queue and failure group
--   DUPLICATE        nothing changes
--
-- KEYS[1] message state hash    <prefix>:msg:<message key>
-- KEYS[2] message history list  <prefix>:hist:<message key>
-- KEYS[3] requeue target: the origin stream (inline) or <prefix>:outbox:<destination>
-- Other keys are derived from ARGV[1] (the prefix, which carries the hash tag, so every derived
-- key lives in the same cluster slot as KEYS[1] and KEYS[2]).
--
-- Returns { outcome, tracking id, attempt, retry_at_ms, reason, rule }.

local prefix        = ARGV[1]
local now           = tonumber(ARGV[2])
local tid           = ARGV[3]
local incoming      = ARGV[4]   -- salvage-tracking-id of the copy the consumer failed on, or ""
local decision      = ARGV[5]   -- requeue | retry | park
local rule          = ARGV[6]
local reason        = ARGV[7]
local max_attempts  = tonumber(ARGV[8])
local mode          = ARGV[9]   -- inline | outbox
local ttl           = tonumber(ARGV[10])
local b_initial     = tonumber(ARGV[11])
local b_mult        = tonumber(ARGV[12])
local b_max         = tonumber(ARGV[13])
local b_jitter      = tonumber(ARGV[14])  -- factor in [1-j, 1+j], drawn by the caller
local msg_id        = ARGV[15]
local destination   = ARGV[16]
local queue         = ARGV[17]
local partition_key = ARGV[18]
local content_type  = ARGV[19]
local event_type    = ARGV[20]
local payload_in    = ARGV[21]
local payload_out   = ARGV[22]
local repaired      = ARGV[23] == '1'
local headers_in    = ARGV[24]  -- JSON object: the headers as reported
local headers_out   = ARGV[25]  -- JSON object: for the requeued copy, salvage-attempt missing
local failure       = ARGV[26]  -- JSON object: class, code, message, consumer, ... detail
local attempt_tail  = ARGV[27]  -- JSON object without its opening brace: this attempt's facts
local group         = ARGV[28]
local code          = ARGV[29]
local err_message   = ARGV[30]
local mkey          = ARGV[31]
local f_id, f_payload, f_headers = ARGV[32], ARGV[33], ARGV[34]
local f_ct, f_et, f_pk = ARGV[35], ARGV[36], ARGV[37]

local st = KEYS[1]
local hist = KEYS[2]

local s = redis.call('HMGET', st, 'pending', 'last_tid', 'last_in', 'attempts', 'status',
  'parked_tid', 'last_rule')
local last_tid = s[2]

-- Duplicate: the previous outcome is not delivered yet, or this very copy was reported before.
if s[1] == '1' then
  return { 'DUPLICATE', last_tid, tonumber(s[4]) or 0, 0,
    'previous outcome of this message is still pending', s[7] or '' }
end
if last_tid and incoming ~= '' and incoming == s[3] then
  return { 'DUPLICATE', last_tid, tonumber(s[4]) or 0, 0,
    'this copy of the message was already reported', s[7] or '' }
end

local attempt = (tonumber(s[4]) or 0) + 1
local outcome
if s[5] == 'parked' then
  decision = 'park'
  reason = 'message is already parked'
elseif decision ~= 'park' and attempt > max_attempts then
  decision = 'park'
  reason = 'attempt limit (' .. max_attempts .. ') reached'
end

local function with_attempt(json)
  return '{"salvage-attempt":"' .. attempt .. '",' .. string.sub(json, 2)
end

local retry_at = 0
if decision == 'requeue' then
  outcome = 'REQUEUED'
  local body = payload_in
  if repaired then body = payload_out end
  local fields = { f_id, msg_id, f_payload, body, f_headers, with_attempt(headers_out) }
  if content_type ~= '' then table.insert(fields, f_ct); table.insert(fields, content_type) end
  if event_type ~= '' then table.insert(fields, f_et); table.insert(fields, event_type) end
  if partition_key ~= '' then table.insert(fields, f_pk); table.insert(fields, partition_key) end
  if mode == 'inline' then
    redis.call('XADD', KEYS[3], '*', unpack(fields))
  else
    redis.call('XADD', KEYS[3], '*', 'tracking_id', tid, 'message_key', mkey,
      'destination', destination, 'queue', queue, unpack(fields))
  end
elseif decision == 'retry' then
  outcome = 'RETRY_SCHEDULED'
  local delay = b_initial * (b_mult ^ (attempt - 1))
  if delay > b_max then delay = b_max end
  delay = math.floor(delay * b_jitter)
  retry_at = now + delay
  local job = prefix .. ':job:' .. tid
  redis.call('HSET', job, 'message_key', mkey, 'destination', destination, 'queue', queue,
    f_id, msg_id, f_payload, payload_in, f_headers, with_attempt(headers_out))
  if content_type ~= '' then redis.call('HSET', job, f_ct, content_type) end
  if event_type ~= '' then redis.call('HSET', job, f_et, event_type) end
  if partition_key ~= '' then redis.call('HSET', job, f_pk, partition_key) end
  redis.call('ZADD', prefix .. ':retries', retry_at, tid)
else
  outcome = 'PARKED'
end

-- The history of the message: one JSON object per attempt.
redis.call('RPUSH', hist, '{"attempt":' .. attempt .. ',"outcome":"' .. outcome ..
  '","reason":' .. cjson.encode(reason) .. ',' .. attempt_tail)

if outcome == 'PARKED' then
  local ptid = s[6]
  local new_record = not (s[5] == 'parked' and ptid)
  if new_record then ptid = tid end
  local rec = prefix .. ':parked:' .. ptid
  local attempts = '[' .. table.concat(redis.call('LRANGE', hist, 0, -1), ',') .. ']'
  redis.call('HSET', rec, 'tracking_id', ptid, 'message_key', mkey, 'id', msg_id,
    'destination', destination, 'queue', queue, 'partition_key', partition_key,
    'content_type', content_type, 'event_type', event_type, 'payload', payload_in,
    'headers', headers_in, 'failure', failure, 'group', group, 'last_seen', now,
    'attempts', attempts)
  redis.call('HINCRBY', rec, 'reports', 1)
  redis.call('ZADD', prefix .. ':idx:parked', now, ptid)
  redis.call('ZADD', prefix .. ':idx:queue:' .. queue, now, ptid)
  redis.call('ZADD', prefix .. ':idx:group:' .. group, now, ptid)
  local g = prefix .. ':group:' .. group
  if new_record then
    redis.call('HSET', rec, 'first_seen', now, 'version', 1, 'reason', reason, 'rule', rule)
    redis.call('HINCRBY', g, 'count', 1)
    redis.call('HSETNX', g, 'first_seen', now)
    redis.call('HSETNX', g, 'queue', queue)
    redis.call('HSETNX', g, 'code', code)
    redis.call('HSETNX', g, 'sample_message', err_message)
    redis.call('ZINCRBY', prefix .. ':queues', 1, queue)
  end
  redis.call('HSET', g, 'last_seen', now)
  redis.call('ZADD', prefix .. ':groups', now, group)
  redis.call('HSET', st, 'status', 'parked', 'parked_tid', ptid, 'pending', 0,
    'last_tid', ptid, 'last_in', incoming, 'attempts', attempt, 'last_rule', rule,
    'updated', now)
  -- A parked message stays known until an operator resolves it.
  redis.call('PERSIST', st)
  redis.call('PERSIST', hist)
  return { outcome, ptid, attempt, 0, reason, rule }
end

local pending = 0
if outcome == 'RETRY_SCHEDULED' or mode ~= 'inline' then pending = 1 end
redis.call('HSET', st, 'status', string.lower(outcome), 'pending', pending, 'last_tid', tid,
  'last_in', incoming, 'attempts', attempt, 'last_rule', rule, 'updated', now)
redis.call('EXPIRE', st, ttl)
redis.call('EXPIRE', hist, ttl)
return { outcome, tid, attempt, retry_at, reason, rule }
