-- Warden rate limiter: check and take tokens from every bucket of one call, all or nothing.
--
-- A bucket's value is its full-at time "<micros>:<frac>": the instant (µs, plus frac/R of a
-- µs) at which it will be full again. A missing key is a full bucket. Time is the server's
-- TIME, never the caller's. The arithmetic mirrors TokenBucketMath.take (Java); the caller
-- turns the returned offsets into tokens left and waits with TokenBucketMath.interpret.
--
-- KEYS[i]  the bucket keys; a key may repeat (its costs then add up)
-- ARGV     7 numbers per key, in KEYS order:
--            shadow (1 = never denies), R (refill tokens per window, the fraction's denominator),
--            cost span (micros, frac), capacity span (micros, frac; micros -1 = never enough),
--            max TTL in ms (twice the full refill time)
-- Returns  { admitted (1/0), then per key: allowed (1/0), offset micros, offset frac }
--          where offset = full-at time after taking the cost, minus now.
-- Writes   only when admitted: SET key value PX ttl for each bucket that took tokens, so no
--          key ever exists without a TTL, and a denied call changes nothing.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local pending = {}
local order = {}
local out = { 1 }
local denied = false

for i = 1, #KEYS do
  local key = KEYS[i]
  local a = (i - 1) * 7
  local shadow = ARGV[a + 1] == '1'
  local r = tonumber(ARGV[a + 2])
  local cu = tonumber(ARGV[a + 3])
  local cf = tonumber(ARGV[a + 4])
  local capu = tonumber(ARGV[a + 5])
  local capf = tonumber(ARGV[a + 6])
  local maxttl = tonumber(ARGV[a + 7])

  local tu, tf
  local p = pending[key]
  if p then
    tu, tf = p[1], p[2]
  else
    local v = redis.call('GET', key)
    if v then
      local sep = string.find(v, ':', 1, true)
      tu = tonumber(string.sub(v, 1, sep - 1))
      tf = tonumber(string.sub(v, sep + 1))
    else
      tu, tf = now, 0
    end
  end
  -- base = max(full-at, now): a full bucket does not bank time
  if tu < now or (tu == now and tf == 0) then
    tu, tf = now, 0
  end
  local nu = tu + cu
  local nf = tf + cf
  if nf >= r then
    nf = nf - r
    nu = nu + 1
  end
  local du = nu - now
  local ok = capu >= 0 and (du < capu or (du == capu and nf <= capf))
  if ok then
    if cu > 0 or cf > 0 then
      if not pending[key] then
        order[#order + 1] = key
      end
      pending[key] = { nu, nf, maxttl }
    end
  elseif not shadow then
    denied = true
  end
  out[#out + 1] = ok and 1 or 0
  out[#out + 1] = du
  out[#out + 1] = nf
end

if denied then
  out[1] = 0
  return out
end

for _, key in ipairs(order) do
  local p = pending[key]
  local ttl = math.floor((p[1] - now) / 1000) + 1
  if ttl > p[3] then
    ttl = p[3]
  end
  if ttl < 1 then
    ttl = 1
  end
  redis.call('SET', key, string.format('%.0f:%.0f', p[1], p[2]), 'PX', ttl)
end
return out
