"""The report script with the message's history in a string key of its own (<state>:h), for
bench/redis-writes.sh: the state's last HSET without `history`, then SET <state>:h EX ttl. Only the
requeue path is rewritten (what the benchmark sends)."""
import sys

s = sys.stdin.read()
old = """  'updated', now, 'history', history)
redis.call('EXPIRE', st, expire)"""
new = """  'updated', now)
redis.call('SET', st .. ':h', history, 'EX', expire)
redis.call('EXPIRE', st, expire)"""
assert old in s, "report.lua changed: update bench/redis-writes/own_key.py"
print(s.replace(old, new), end="")
