"""The Lua scripts of the Redis cache (redis_store.py): each is one round trip, and runs
atomically in Redis, so a conditional store, an eviction and the bookkeeping of the entry
count and size never interleave, whichever server sends them."""

# KEYS[1] the entry, KEYS[2] its tag's generation: the entry's status, content type and body,
# or on a miss the generation (an integer), which the store after the fetch is conditional on.
# The only script without the common keys: it writes nothing.
LOOKUP = """
local found = redis.call('HMGET', KEYS[1], 'status', 'type', 'body')
if found[1] then return found end
return tonumber(redis.call('GET', KEYS[2]) or '0')
"""

# Every other script: KEYS[1..3] = index, sizes, bytes; ARGV[1] = the entry key prefix.
_COMMON = """
local index, sizes, total, entry_prefix = KEYS[1], KEYS[2], KEYS[3], ARGV[1]
local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
-- Out of the index and the byte count: its entry is gone, or is about to be.
local function forget(member)
  redis.call('ZREM', index, member)
  local size = redis.call('HGET', sizes, member)
  if size then
    redis.call('HDEL', sizes, member)
    redis.call('DECRBY', total, size)
  end
end
-- Forget up to `most` entries Redis has expired.
local function prune(most)
  local expired = redis.call('ZRANGEBYSCORE', index, '-inf', now_ms(), 'LIMIT', 0, most)
  for _, member in ipairs(expired) do forget(member) end
end
"""
# KEYS[4] the entry; KEYS[5], KEYS[6] its tag set and the tag's generation (with a tag).
# ARGV: 2 cache key, 3 status, 4 content type, 5 body, 6 TTL in ms, 7 byte limit, 8 the
# generation the read started at ('' for none), 9 how many expired entries to prune.
SET = (
    _COMMON
    + """
local member, body, ttl = ARGV[2], ARGV[5], tonumber(ARGV[6])
if ARGV[8] ~= '' and tonumber(redis.call('GET', KEYS[6]) or '0') ~= tonumber(ARGV[8]) then
  return 0  -- the tag was evicted while the reply was in flight: it may be stale
end
prune(tonumber(ARGV[9]))
local now = now_ms()
forget(member)  -- the copy it replaces
redis.call('HSET', KEYS[4], 'status', ARGV[3], 'type', ARGV[4], 'body', body)
redis.call('PEXPIRE', KEYS[4], ttl)
redis.call('ZADD', index, now + ttl, member)
redis.call('HSET', sizes, member, #body)
redis.call('INCRBY', total, #body)
if KEYS[5] then
  redis.call('ZADD', KEYS[5], now + ttl, member)
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
  if redis.call('PTTL', KEYS[5]) < ttl then redis.call('PEXPIRE', KEYS[5], ttl) end
end
-- Beyond the limit, drop the entries closest to expiry: a few per write keeps scripts short.
for _ = 1, 10 do
  if tonumber(redis.call('GET', total) or '0') <= tonumber(ARGV[7]) then break end
  local first = redis.call('ZRANGE', index, 0, 0)[1]
  if not first then break end
  redis.call('DEL', entry_prefix .. first)
  forget(first)
end
return 1
"""
)
# KEYS[4], KEYS[5] a tag set and the tag's generation, then the same for each further tag;
# ARGV[2] seconds a generation is kept.
EVICT = (
    _COMMON
    + """
local evicted = 0
for i = 4, #KEYS, 2 do
  redis.call('INCR', KEYS[i + 1])
  redis.call('EXPIRE', KEYS[i + 1], ARGV[2])
  for _, member in ipairs(redis.call('ZRANGE', KEYS[i], 0, -1)) do
    evicted = evicted + redis.call('DEL', entry_prefix .. member)
    forget(member)
  end
  redis.call('DEL', KEYS[i])
end
return evicted
"""
)
# ARGV[2] how many expired entries to prune first.
SIZE = (
    _COMMON
    + """
prune(tonumber(ARGV[2]))
return {redis.call('ZCARD', index), tonumber(redis.call('GET', total) or '0')}
"""
)
# KEYS[4] the entry; ARGV[2] its cache key.
POP = (
    _COMMON
    + """
local value = redis.call('HMGET', KEYS[4], 'status', 'type', 'body')
redis.call('DEL', KEYS[4])
forget(ARGV[2])
return value
"""
)
