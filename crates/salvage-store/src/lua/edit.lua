-- Replace the payload and/or headers of a parked record, if its version is the one the caller
-- read (optimistic concurrency). What it replaces is kept on the record as
-- `edit:<version>:payload` / `edit:<version>:headers`, described in `edits` (a JSON array).
-- (park.lua and unpark.lua are prepended.)
--
-- KEYS[1] the parked record. ARGV: prefix, now, expected version, set payload (0/1), payload,
-- set headers (0/1), headers (JSON), actor, events cap, audit cap, then the audit fields
-- (count, pairs).
-- Returns { 'ok', new version } | { 'stale', current version } | { 'missing' }.

local prefix, now, expected = ARGV[1], ARGV[2], ARGV[3]
local rec = KEYS[1]
local cur = redis.call('HMGET', rec, 'version', 'payload', 'headers', 'edits', 'queue', 'group',
  'tracking_id')
if not cur[1] or redis.call('EXISTS', rec) == 0 then return { 'missing' } end
if cur[1] ~= expected then return { 'stale', cur[1] } end
local v = cur[1]
local old_payload, old_headers = cur[2] or '', cur[3] or '{}'
redis.call('HSET', rec, 'edit:' .. v .. ':payload', old_payload, 'edit:' .. v .. ':headers',
  old_headers)
local meta = cjson.encode({ version = tonumber(v), at = tonumber(now), actor = ARGV[8] })
local edits = cur[4]
if edits and #edits > 2 then
  edits = string.sub(edits, 1, -2) .. ',' .. meta .. ']'
else
  edits = '[' .. meta .. ']'
end
redis.call('HSET', rec, 'edits', edits)
local new_payload, new_headers = old_payload, old_headers
if ARGV[4] == '1' then new_payload = ARGV[5]; redis.call('HSET', rec, 'payload', new_payload) end
if ARGV[6] == '1' then new_headers = ARGV[7]; redis.call('HSET', rec, 'headers', new_headers) end
local nv = redis.call('HINCRBY', rec, 'version', 1)
parking_event(prefix, ARGV[9], 'edited', cur[7] or '', cur[5] or '', cur[6] or '', ARGV[8], now)
audit(prefix, ARGV[10], 11, { 'payload_before', old_payload, 'payload_after', new_payload,
  'headers_before', old_headers, 'headers_after', new_headers })
return { 'ok', nv }
