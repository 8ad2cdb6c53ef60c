-- Take (or keep) the lease on a run: a run is worked on by one process at a time; a process that
-- died loses its lease when it runs out, and another (or the restarted one) takes the run over.
--
-- KEYS[1] the run hash. ARGV: owner, now (ms), lease until (ms), release (1: give the lease up).
-- Returns the run's state when the caller holds the lease after the call, else ''.

local r = redis.call('HMGET', KEYS[1], 'state', 'owner', 'lease_until')
if not r[1] then return '' end
if ARGV[4] == '1' then
  if r[2] == ARGV[1] then redis.call('HSET', KEYS[1], 'lease_until', 0) end
  return ''
end
if r[1] ~= 'running' and r[1] ~= 'canary_wait' then return '' end
if r[2] == ARGV[1] or (tonumber(r[3]) or 0) < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'lease_until', ARGV[3])
  return r[1]
end
return ''
