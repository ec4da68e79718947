-- Warden rate limiter: give back the tokens of an admitted call that never ran.
--
-- KEYS[i]  the bucket keys the call charged
-- ARGV     4 numbers per key: R (the fraction's denominator), cost span (micros, frac),
--          max TTL in ms
-- Moves each full-at time back by the cost span; a bucket that is full again is deleted, any
-- other keeps a TTL (never longer than before). Returns the number of buckets touched.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local touched = 0

for i = 1, #KEYS do
  local key = KEYS[i]
  local a = (i - 1) * 4
  local r = tonumber(ARGV[a + 1])
  local cu = tonumber(ARGV[a + 2])
  local cf = tonumber(ARGV[a + 3])
  local maxttl = tonumber(ARGV[a + 4])
  local v = redis.call('GET', key)
  if v then
    local sep = string.find(v, ':', 1, true)
    local u = tonumber(string.sub(v, 1, sep - 1)) - cu
    local f = tonumber(string.sub(v, sep + 1)) - cf
    if f < 0 then
      f = f + r
      u = u - 1
    end
    if u < now or (u == now and f == 0) then
      redis.call('DEL', key)
    else
      local ttl = math.floor((u - now) / 1000) + 1
      if ttl > maxttl then
        ttl = maxttl
      end
      redis.call('SET', key, string.format('%.0f:%.0f', u, f), 'PX', ttl)
    end
    touched = touched + 1
  end
end
return touched
