"""The Lua scripts of the frontier: each one runs atomically inside Redis.

Times come from Redis's own clock (``TIME``), never from a worker's, so workers on
machines whose clocks disagree still agree on when a lease or a politeness slot ends.
Redis 7 replicates scripts by their effects, so calling ``TIME`` before writing is allowed.
"""

from __future__ import annotations

_NOW = """
local _t = redis.call('TIME')
local now = tonumber(_t[1]) * 1000 + math.floor(tonumber(_t[2]) / 1000)
"""

#: One round trip of a worker: push buffered children (dedup in the seen buckets unless
#: bypassed), acknowledge finished leases, return released ones to the queue, reclaim
#: expired leases of any worker, then pop and lease up to ``pop_n`` requests. Children are
#: written before the acknowledgements of their parents, in the same atomic call.
#:
#: A named worker also records that it is alive (``workers``), and learns how many workers
#: synced or renewed within one lease timeout (its fair share of the work follows).
#:
#: KEYS: queue, requests, leases, lease_owner, seq, counters, workers, seen bucket keys...
#: ARGV: worker, lease_ms, pop_n, n_children, n_acks, n_releases, reclaim_limit,
#:       children as (key index, fingerprint, bypass 0/1, queue score, JSON)..., ack ids...,
#:       release ids...
#: Returns: reclaimed, pushed, filtered, acked, lost, released, queue size, leases size,
#:          live workers, then (id, JSON) of each popped request.
SYNC = (
    _NOW
    + """
local Q, R, L, O, SEQ, C, W = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local worker = ARGV[1]
local lease_ms = tonumber(ARGV[2])
local pop_n = tonumber(ARGV[3])
local nc, na, nr = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local reclaim_limit = tonumber(ARGV[7])

local function owner_of(id)
  local v = redis.call('HGET', O, id)
  if not v then return nil, nil end
  local bar = string.find(v, '|', 1, true)
  return string.sub(v, 1, bar - 1), string.sub(v, bar + 1)
end

local pos = 8
local pushed, filtered = 0, 0
if nc > 0 then
  local base = redis.call('INCRBY', SEQ, nc) - nc
  for i = 1, nc do
    local added = redis.call('SADD', KEYS[tonumber(ARGV[pos])], ARGV[pos + 1])
    if added == 1 or ARGV[pos + 2] == '1' then
      local id = string.format('%015d', base + i)
      redis.call('ZADD', Q, ARGV[pos + 3], id)
      redis.call('HSET', R, id, ARGV[pos + 4])
      pushed = pushed + 1
    else
      filtered = filtered + 1
    end
    pos = pos + 5
  end
end

local acked, lost = 0, 0
for i = 1, na do
  local id = ARGV[pos]
  pos = pos + 1
  local _, owner = owner_of(id)
  if owner == worker then
    redis.call('ZREM', L, id)
    redis.call('HDEL', O, id)
    redis.call('HDEL', R, id)
    acked = acked + 1
  elseif owner == nil and redis.call('ZREM', Q, id) == 1 then
    -- its lease ran out and it went back to the queue, but the work is done now
    redis.call('HDEL', R, id)
    acked = acked + 1
  else
    lost = lost + 1
  end
end

local released = 0
for i = 1, nr do
  local id = ARGV[pos]
  pos = pos + 1
  local score, owner = owner_of(id)
  if owner == worker then
    redis.call('ZREM', L, id)
    redis.call('HDEL', O, id)
    redis.call('ZADD', Q, score, id)
    released = released + 1
  end
end

local reclaimed = 0
local expired = redis.call('ZRANGEBYSCORE', L, '-inf', now, 'LIMIT', 0, reclaim_limit)
for _, id in ipairs(expired) do
  local score = owner_of(id)
  redis.call('ZREM', L, id)
  redis.call('HDEL', O, id)
  if score and redis.call('HEXISTS', R, id) == 1 then
    redis.call('ZADD', Q, score, id)
    reclaimed = reclaimed + 1
  end
end
if reclaimed > 0 then
  redis.call('HINCRBY', C, 'lease_expired_reclaimed', reclaimed)
end

local out = {reclaimed, pushed, filtered, acked, lost, released, 0, 0, 0}
if pop_n > 0 then
  local items = redis.call('ZPOPMIN', Q, pop_n)
  for i = 1, #items, 2 do
    local id = items[i]
    local json = redis.call('HGET', R, id)
    if json then
      redis.call('ZADD', L, now + lease_ms, id)
      redis.call('HSET', O, id, items[i + 1] .. '|' .. worker)
      out[#out + 1] = id
      out[#out + 1] = json
    end
  end
end
out[7] = redis.call('ZCARD', Q)
out[8] = redis.call('ZCARD', L)
if worker ~= '' then
  redis.call('ZADD', W, now, worker)
end
out[9] = redis.call('ZCOUNT', W, now - lease_ms, '+inf')
return out
"""
)

#: Extend the leases a live worker still holds; report the ones it no longer owns.
#: The worker is recorded alive; workers silent for a day are forgotten.
#: KEYS: leases, lease_owner, workers. ARGV: worker, lease_ms, ids...
RENEW = (
    _NOW
    + """
local lease_ms = tonumber(ARGV[2])
local lost = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local v = redis.call('HGET', KEYS[2], id)
  if v and string.sub(v, string.find(v, '|', 1, true) + 1) == ARGV[1] then
    redis.call('ZADD', KEYS[1], now + lease_ms, id)
  else
    lost[#lost + 1] = id
  end
end
redis.call('ZADD', KEYS[3], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - 86400000)
return lost
"""
)

#: Take a politeness slot for one host, fleet-wide, after giving back finished ones.
#: KEYS: tokens zset, next-start key.
#: ARGV: concurrency (0: unlimited), delay_ms, ttl_ms, token, tokens to give back...
#: Returns 0 when the slot is taken, -1 when the host is at its concurrency, else the
#: milliseconds to wait before the delay allows the next start.
ACQUIRE = (
    _NOW
    + """
local limit = tonumber(ARGV[1])
local delay = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
if #ARGV > 4 then
  redis.call('ZREM', KEYS[1], unpack(ARGV, 5))
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if limit > 0 and redis.call('ZCARD', KEYS[1]) >= limit then
  return -1
end
if delay > 0 then
  local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
  if now < nxt then
    return nxt - now
  end
  redis.call('SET', KEYS[2], now + delay, 'PX', delay + 1000)
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[4])
redis.call('PEXPIRE', KEYS[1], ttl + 1000)
return 0
"""
)
