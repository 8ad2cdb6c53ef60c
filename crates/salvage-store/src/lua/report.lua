-- Commit the outcome of one report, atomically. Called once per report (the hot path).
-- (park.lua is prepended.)
--
-- The rule engine has already proposed a decision; this script applies duplicate detection and
-- loop protection on the message's state and commits exactly one outcome:
--   REQUEUED         inline: XADD to the origin stream (same Redis: exactly once)
--                    outbox: XADD to the destination's outbox stream (the relay delivers it)
--   RETRY_SCHEDULED  the requeue job is stored and scheduled in the retry sorted set
--   PARKED           a parked record, indexed by time, origin queue and failure group
--   DUPLICATE        nothing changes
--
-- Which report is a new attempt (the state machine in ARCHITECTURE.md; checked by the model in
-- tests/protocol_model/):
--   1. parked already            -> PARKED (the same record), nothing else changes
--   2. no state                   -> the first report: a new attempt
--   3. its `salvage-tracking-id` is the copy Salvage sent last (last_tid)
--                                 -> a new attempt, WHATEVER `pending` says: the first report of
--                                    that copy proves it was delivered (a broker relay may not
--                                    have settled its outbox entry yet; settling then finds a
--                                    newer last_tid and changes nothing)
--   4. another tracking id        -> DUPLICATE (an older copy, or the same copy reported twice)
--   5. no tracking id             -> a consumer that drops headers reporting the copy Salvage
--                                    sent last is recognised by its bytes, but only when those
--                                    bytes differ from what was reported before it (a repair,
--                                    or an operator's resubmit: last_rep = 1); otherwise it is
--                                    the original redelivered, the same report again, or a
--                                    report while the last outcome is pending: DUPLICATE.
--      An unchanged copy (a retry) reported without its headers cannot be told from the
--      original redelivered: it is answered DUPLICATE. Consumers must pass the headers.
--
-- KEYS[1] message state hash (with the history of its attempts) <prefix>:msg:<message key>
-- KEYS[2] requeue target: the origin stream (inline) or <prefix>:outbox:<destination>
-- Other keys are derived from ARGV[1] (the prefix, which carries the hash tag, so every derived
-- key lives in the same cluster slot as KEYS[1]).
--
-- Redis work per report is kept to a few calls (each call from Lua costs far more than the
-- command itself): the common inline requeue is HMGET, XADD, HSET, EXPIRE.
--
-- Returns { outcome, tracking id, attempt, retry_at_ms, reason, rule, override, recurred },
-- where override says why the script did not commit the rules' proposal: '' (it did),
-- 'already_parked', 'pending', 'stale_copy', 'original_again' (duplicates), 'attempt_limit',
-- 'not_a_stream'; recurred is 1 when this report is the first failure of a copy an operator
-- resubmitted from the parking lot (counted on the run that resubmitted it), else 0.

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
local in_hash       = ARGV[38]  -- digest of payload_in
local out_hash      = ARGV[39]  -- digest of the payload a requeue or retry sends
local events_max    = ARGV[40]  -- cap of the parking-lot events stream
local retry_floor   = tonumber(ARGV[41]) or 0  -- ms: a retry waits at least this long (the consumer's retry_after)

local st = KEYS[1]

local s = redis.call('HMGET', st, 'pending', 'last_tid', 'last_out', 'attempts', 'status',
  'parked_tid', 'last_rule', 'history', 'resubmit_run', 'last_rep')
local last_tid, attempts_so_far, last_rule = s[2], tonumber(s[4]) or 0, s[7] or ''

-- Parked already: note the report on the record; nothing else changes.
if s[5] == 'parked' and s[6] then
  local rec = prefix .. ':parked:' .. s[6]
  redis.call('HINCRBY', rec, 'reports', 1)
  redis.call('HSET', rec, 'last_seen', now)
  return { 'PARKED', s[6], attempts_so_far, 0, 'message is already parked', last_rule,
    'already_parked', 0 }
end

if last_tid then
  if incoming ~= '' then
    if incoming ~= last_tid then
      return { 'DUPLICATE', last_tid, attempts_so_far, 0,
        'this copy was already reported, or is older than the one Salvage sent last', last_rule,
        'stale_copy', 0 }
    end
    -- The copy Salvage sent last: delivered, so a new attempt (even if not settled yet).
  elseif not (s[10] == '1' and in_hash == s[3]) then
    if s[1] == '1' then
      return { 'DUPLICATE', last_tid, attempts_so_far, 0,
        'the message was already reported and its outcome is still pending', last_rule,
        'pending', 0 }
    end
    return { 'DUPLICATE', last_tid, attempts_so_far, 0,
      'the message was already reported (a copy without salvage-tracking-id is the original ' ..
      'or an unchanged copy whose headers were dropped)', last_rule, 'original_again', 0 }
  end
end

-- A new attempt of a copy an operator resubmitted: it failed again (counted once).
local recurred = 0
if s[9] then
  recurred = 1
  redis.call('HDEL', st, 'resubmit_run')
  if s[9] ~= '' then redis.call('HINCRBY', prefix .. ':run:' .. s[9], 'failed_again', 1) end
end

local attempt = attempts_so_far + 1
local override = ''
if decision ~= 'park' and attempt > max_attempts then
  decision = 'park'
  override = 'attempt_limit'
  reason = 'attempt limit (' .. max_attempts .. ') reached'
end

local function with_attempt(json)
  return '{"salvage-attempt":"' .. attempt .. '",' .. string.sub(json, 2)
end

local outcome
local retry_at = 0
local expire = ttl
if decision == 'requeue' then
  outcome = 'REQUEUED'
  local body = payload_in
  if repaired then body = payload_out end
  local fields = { f_id, msg_id, f_payload, body, f_headers, with_attempt(headers_out) }
  if content_type ~= '' then table.insert(fields, f_ct); table.insert(fields, content_type) end
  if event_type ~= '' then table.insert(fields, f_et); table.insert(fields, event_type) end
  if partition_key ~= '' then table.insert(fields, f_pk); table.insert(fields, partition_key) end
  if mode == 'inline' then
    local ok, err = pcall(redis.call, 'XADD', KEYS[2], '*', unpack(fields))
    if not ok then
      local t = redis.call('TYPE', KEYS[2]).ok
      -- Not a type problem (e.g. out of memory): fail the report, nothing was written.
      if t == 'none' or t == 'stream' then return redis.error_reply(tostring(err.err or err)) end
      outcome = 'PARKED'
      override = 'not_a_stream'
      reason = 'origin queue ' .. queue .. ' holds a Redis ' .. t .. ', not a stream'
    end
  else
    redis.call('XADD', KEYS[2], '*', 'tracking_id', tid, 'message_key', mkey,
      'destination', destination, 'queue', queue, unpack(fields))
  end
elseif decision == 'retry' then
  outcome = 'RETRY_SCHEDULED'
  local delay = b_initial * (b_mult ^ (attempt - 1))
  if delay > b_max then delay = b_max end
  delay = math.floor(delay * b_jitter)
  if delay < retry_floor then delay = retry_floor end
  retry_at = now + delay
  -- The state must outlive the wait, or loop protection would forget the message.
  expire = ttl + math.ceil(delay / 1000)
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
if outcome == 'PARKED' and decision == 'requeue' then decision = 'park' end

-- The history of the message: one JSON object per attempt, comma-separated.
local entry = '{"attempt":' .. attempt .. ',"outcome":"' .. outcome .. '","reason":' ..
  cjson.encode(reason) .. ',' .. attempt_tail
local history = entry
if s[8] then history = s[8] .. ',' .. entry end

if outcome == 'PARKED' then
  park_message(prefix, now, {
    tid = tid, mkey = mkey, group = group, queue = queue, code = code,
    err_message = err_message, reason = reason, rule = rule, attempt = attempt,
    history = history, events_max = events_max,
    fields = { 'id', msg_id, 'destination', destination, 'partition_key', partition_key,
      'content_type', content_type, 'event_type', event_type, 'payload', payload_in,
      'headers', headers_in, 'failure', failure },
  })
  return { outcome, tid, attempt, 0, reason, rule, override, recurred }
end

local pending = 0
if outcome == 'RETRY_SCHEDULED' or mode ~= 'inline' then pending = 1 end
local last_rep = '0'
if out_hash ~= in_hash then last_rep = '1' end
redis.call('HSET', st, 'status', string.lower(outcome), 'pending', pending, 'last_tid', tid,
  'last_out', out_hash, 'last_rep', last_rep, 'attempts', attempt, 'last_rule', rule,
  'updated', now, 'history', history)
redis.call('EXPIRE', st, expire)
return { outcome, tid, attempt, retry_at, reason, rule, override, recurred }
