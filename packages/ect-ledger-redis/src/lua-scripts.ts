/**
 * The server-side Lua scripts of the Redis ledger. Every write is one script run, so Redis executes
 * it atomically (no other command runs in between), on a standalone server and on Cluster (all
 * keys of a ledger share one hash tag, see `ledger-keys.ts`).
 *
 * The `#!lua` shebang makes Redis (7+) check `maxmemory` once, before the script starts: under
 * `noeviction` an append over the limit is refused whole (`OOM`), never half-written. Every script
 * reads and checks everything first and writes last, so an error raised by a check writes nothing.
 *
 * @internal
 */
import { createHash } from "node:crypto";

/**
 * SHA-256 in Lua 5.1 with Redis' bundled `bit` library. Used only when an append's predicted head
 * was stale (another writer appended in between): the script then computes
 * `chainHash = SHA-256(0x01 ‖ head chainHash ‖ leafHash)` itself (SPEC 7), 2 blocks, ~0.2 ms.
 * Checked against ect-core's `chainHash` by the tests.
 */
const LUA_SHA256 = `
local band, bor, bxor, bnot, rshift, lshift, ror, tobit = bit.band, bit.bor, bit.bxor, bit.bnot, bit.rshift, bit.lshift, bit.ror, bit.tobit
local K256 = {
0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,
0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,
0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,
0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,
0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,
0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,
0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,
0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2}
local function sha256hex(msg)
  local len = #msg
  local bits = len * 8
  msg = msg .. '\\128' .. string.rep('\\0', (55 - len) % 64) .. string.char(0, 0, 0, 0,
    math.floor(bits / 16777216) % 256, math.floor(bits / 65536) % 256, math.floor(bits / 256) % 256, bits % 256)
  local h0, h1, h2, h3 = 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a
  local h4, h5, h6, h7 = 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
  local w = {}
  for chunk = 1, #msg, 64 do
    for i = 0, 15 do
      local a, b, c, d = string.byte(msg, chunk + i * 4, chunk + i * 4 + 3)
      w[i] = bor(lshift(a, 24), lshift(b, 16), lshift(c, 8), d)
    end
    for i = 16, 63 do
      local v15, v2 = w[i - 15], w[i - 2]
      local s0 = bxor(ror(v15, 7), ror(v15, 18), rshift(v15, 3))
      local s1 = bxor(ror(v2, 17), ror(v2, 19), rshift(v2, 10))
      w[i] = tobit(w[i - 16] + s0 + w[i - 7] + s1)
    end
    local a, b, c, d, e, f, g, h = h0, h1, h2, h3, h4, h5, h6, h7
    for i = 0, 63 do
      local S1 = bxor(ror(e, 6), ror(e, 11), ror(e, 25))
      local ch = bxor(band(e, f), band(bnot(e), g))
      local t1 = h + S1 + ch + K256[i + 1] + w[i]
      local S0 = bxor(ror(a, 2), ror(a, 13), ror(a, 22))
      local maj = bxor(band(a, b), band(a, c), band(b, c))
      h = g; g = f; f = e; e = tobit(d + t1); d = c; c = b; b = a; a = tobit(t1 + S0 + maj)
    end
    h0 = tobit(h0 + a); h1 = tobit(h1 + b); h2 = tobit(h2 + c); h3 = tobit(h3 + d)
    h4 = tobit(h4 + e); h5 = tobit(h5 + f); h6 = tobit(h6 + g); h7 = tobit(h7 + h)
  end
  return bit.tohex(h0, 8) .. bit.tohex(h1, 8) .. bit.tohex(h2, 8) .. bit.tohex(h3, 8) ..
    bit.tohex(h4, 8) .. bit.tohex(h5, 8) .. bit.tohex(h6, 8) .. bit.tohex(h7, 8)
end
local function unhex(s)
  return (string.gsub(s, '..', function(cc) return string.char(tonumber(cc, 16)) end))
end
local function chain_hash(prev, leaf)
  return sha256hex(string.char(1) .. unhex(prev) .. unhex(leaf))
end
`;

/** Helpers shared by the scripts: the entry fields a reply carries, in a fixed order. */
const LUA_COMMON = `
local P = ARGV[1]
if KEYS[1] ~= P .. 'head' then return redis.error_reply('ECT_SCRIPT_KEYS head key does not match the prefix') end
local GENESIS = string.rep('0', 64)
local function entry(seq)
  return redis.call('HMGET', P .. 'e:' .. seq, 's', 't', 'j', 'w', 'i', 'a', 'l', 'c', 'u', 'ia', 'p', 'pd')
end
local function head()
  local h = redis.call('HMGET', P .. 'head', 's', 'c')
  return tonumber(h[1]) or 0, h[2] or GENESIS
end
local function split(s)
  local out = {}
  for item in string.gmatch(s, '[^,]+') do out[#out + 1] = item end
  return out
end
local function is_hex64(s)
  return type(s) == 'string' and #s == 64 and string.match(s, '^[0-9a-f]+$') ~= nil
end
`;

/**
 * The append script. `KEYS[1]` = head key. `ARGV`:
 *  1 prefix, 2 identity key, 3 jti lower-cased, 4 wid lower-cased or "", 5 token, 6 jti, 7 wid or "",
 *  8 iss, 9 ingestedAt (ms), 10 leafHash, 11 length of `header.payload.` (the content compared for
 *  duplicates), 12 append nonce, 13 iat, 14 pred (comma-joined, as written), 15 pol_decision or "",
 *  16 predicted head seq or "", 17 predicted head chainHash, 18 chainHash computed by the client
 *  for the predicted head, 19 DAG mode ("" = no DAG rules, else "reject"/"allow" for unresolved
 *  predecessors), 20 maxTraversal, 21 clockSkewSec, 22 predecessorPolicy "1"/"0",
 *  23 allowPendingPredecessors "1"/"0".
 *
 * Reply: `{status, ...}` with status `appended` (entry, head seq, head chain, fast path "1"/"0"
 * or "again" when this nonce had already appended), `duplicate` (entry, head seq, head chain),
 * `conflict` (existing entry, evidence id, evidence JSON, head seq, head chain), `rejected` (violations,
 * head seq, head chain).
 */
const APPEND_BODY = `
local idKey, jtiLower, widLower = ARGV[2], ARGV[3], ARGV[4]
local token, jti, wid, iss, at, leaf = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local cut, nonce, iat, predRaw, pd = tonumber(ARGV[11]), ARGV[12], ARGV[13], ARGV[14], ARGV[15]
local expSeq, expChain, proposed = ARGV[16], ARGV[17], ARGV[18]
local dag = ARGV[19]
if not is_hex64(leaf) then return redis.error_reply('ECT_SCRIPT_ARGS leafHash is not 64 hex digits') end
if not cut or not tonumber(iat) then return redis.error_reply('ECT_SCRIPT_ARGS bad numbers') end

local hs, hc = head()

-- SPEC 7 identity: (wid or "", jti), lower-cased by the client (ect-core ectKey).
local existing = redis.call('HGET', P .. 'k', idKey)
if existing then
  local ef = redis.call('HMGET', P .. 'e:' .. existing, 'n', 't')
  if ef[1] == nonce then
    -- A retry of an append whose reply was lost: it did append.
    return {'appended', entry(existing), tostring(hs), hc, 'again'}
  end
  -- Byte-identical decoded header and claims <=> identical 'header.payload.' (canonical base64url).
  if ef[2] and string.sub(ef[2], 1, cut) == string.sub(token, 1, cut) then
    return {'duplicate', entry(existing), tostring(hs), hc}
  end
  local cid = redis.call('HGET', P .. 'xn', nonce)
  if not cid then
    local record = cjson.encode({wid = wid, jti = jti, token = token, existingSeq = existing, receivedAt = at})
    cid = redis.call('RPUSH', P .. 'x', record)
    redis.call('HSET', P .. 'xn', nonce, cid)
  end
  return {'conflict', entry(existing), tostring(cid), redis.call('LINDEX', P .. 'x', tonumber(cid) - 1), tostring(hs), hc}
end

-- SPEC 6 rules 2-6 against the stored entries, in the same step as the append.
local unresolved = {}
if dag ~= '' then
  local maxTraversal, skew = tonumber(ARGV[20]), tonumber(ARGV[21])
  local policyOn, allowPending = ARGV[22] == '1', ARGV[23] == '1'
  local function ekey(id) return widLower .. '|' .. string.lower(id) end
  local ownKey = idKey
  local missing, mismatch, temporal, cycle, policy = {}, {}, {}, {}, {}
  local direct, directOrder = {}, {}
  local preds = split(predRaw)
  for i, id in ipairs(preds) do
    local k = ekey(id)
    if k == ownKey then
      cycle[#cycle + 1] = {'ECT_DAG_CYCLE', 'pred[' .. (i - 1) .. ']', id, 'self'}
    elseif not direct[k] then
      direct[k] = true
      directOrder[#directOrder + 1] = {k, i - 1, id}
    end
  end
  local latest = tonumber(iat) + skew
  local starts = {}
  for _, d in ipairs(directOrder) do
    local k, i, id = d[1], d[2], d[3]
    local member = 'pred[' .. i .. ']'
    local s = redis.call('HGET', P .. 'k', k)
    if not s then
      -- SPEC 6.3: stored in another workflow is a mismatch, never unresolved.
      local other = redis.call('HGET', P .. 'j', string.lower(id))
      if other then
        mismatch[#mismatch + 1] = {'ECT_DAG_WORKFLOW_MISMATCH', member, id, 'other', redis.call('HGET', P .. 'e:' .. other, 'w') or ''}
      elseif dag == 'allow' then
        unresolved[#unresolved + 1] = id
      else
        missing[#missing + 1] = {'ECT_DAG_PRED_MISSING', member, id, 'missing'}
      end
    else
      local f = redis.call('HMGET', P .. 'e:' .. s, 'j', 'w', 'ia', 'pd', 'p')
      if not f[1] or string.lower(f[1]) ~= string.lower(id) then
        missing[#missing + 1] = {'ECT_DAG_PRED_MISSING', member, id, 'malformed'}
      else
        if string.lower(f[2] or '') ~= widLower then
          mismatch[#mismatch + 1] = {'ECT_DAG_WORKFLOW_MISMATCH', member, id, 'wid', f[2] or ''}
        end
        local parentIat = tonumber(f[3])
        if not parentIat or not (parentIat <= latest) then
          temporal[#temporal + 1] = {'ECT_DAG_TEMPORAL_ORDER', member, id, f[3] or ''}
        end
        if policyOn and (f[4] == 'rejected' or (f[4] == 'pending_human_review' and not allowPending)) then
          policy[#policy + 1] = {'ECT_DAG_PRED_POLICY', member, id, f[4]}
        end
        starts[#starts + 1] = {k, i, f[1], f[5] or ''}
      end
    end
  end

  -- SPEC 6.5: breadth-first ancestor walk, each distinct key once, at most maxTraversal keys.
  local visited, count = {}, 0
  for k, _ in pairs(direct) do visited[k] = true; count = count + 1 end
  local outcome
  if count > maxTraversal then outcome = {'limit'} end
  local parentsOf, storedOrder, originOf = {}, {}, {}
  local frontier = starts
  while not outcome and #frontier > 0 do
    local nxt = {}
    for _, v in ipairs(frontier) do
      local parentKeys = {}
      for pid in string.gmatch(v[4], '[^,]+') do
        local pk = ekey(pid)
        parentKeys[#parentKeys + 1] = pk
        if pk == ownKey then outcome = {'cycle', v[2], v[3]}; break end
        if not visited[pk] then
          visited[pk] = true
          count = count + 1
          if count > maxTraversal then outcome = {'limit'}; break end
          nxt[#nxt + 1] = {pk, v[2], pid}
        end
      end
      if outcome then break end
      if not parentsOf[v[1]] then storedOrder[#storedOrder + 1] = v[1] end
      parentsOf[v[1]] = parentKeys
      originOf[v[1]] = v[2]
    end
    if outcome then break end
    frontier = {}
    for _, n in ipairs(nxt) do
      local s = redis.call('HGET', P .. 'k', n[1])
      if s then
        local f = redis.call('HMGET', P .. 'e:' .. s, 'j', 'p')
        if not f[1] or string.lower(f[1]) ~= string.lower(n[3]) then outcome = {'malformed', n[2], n[3]}; break end
        frontier[#frontier + 1] = {n[1], n[2], n[3], f[2] or ''}
      end
    end
  end
  if not outcome then
    -- Stored ancestors that already form a cycle (written without the rules): Kahn's algorithm.
    local remaining, children, ready, done = {}, {}, {}, 0
    for _, key in ipairs(storedOrder) do
      local n, seen = 0, {}
      for _, p in ipairs(parentsOf[key]) do
        if parentsOf[p] and not seen[p] then
          seen[p] = true
          n = n + 1
          children[p] = children[p] or {}
          table.insert(children[p], key)
        end
      end
      remaining[key] = n
      if n == 0 then ready[#ready + 1] = key end
    end
    while #ready > 0 do
      local key = table.remove(ready)
      done = done + 1
      for _, child in ipairs(children[key] or {}) do
        remaining[child] = remaining[child] - 1
        if remaining[child] == 0 then ready[#ready + 1] = child end
      end
    end
    if done < #storedOrder then
      for _, key in ipairs(storedOrder) do
        if remaining[key] > 0 then outcome = {'stored-cycle', originOf[key]}; break end
      end
    end
  end
  if outcome then
    local kind = outcome[1]
    if kind == 'cycle' then
      cycle[#cycle + 1] = {'ECT_DAG_CYCLE', 'pred[' .. outcome[2] .. ']', outcome[3], 'walk'}
    elseif kind == 'stored-cycle' then
      cycle[#cycle + 1] = {'ECT_DAG_CYCLE', 'pred[' .. outcome[2] .. ']', '', 'stored'}
    elseif kind == 'limit' then
      cycle[#cycle + 1] = {'ECT_DAG_TRAVERSAL_LIMIT', 'pred', '', 'limit'}
    else
      cycle[#cycle + 1] = {'ECT_DAG_TRAVERSAL_LIMIT', 'pred[' .. outcome[2] .. ']', outcome[3], 'malformed'}
    end
  end
  local violations = {}
  for _, group in ipairs({missing, mismatch, temporal, cycle, policy}) do
    for _, v in ipairs(group) do violations[#violations + 1] = v end
  end
  if #violations > 0 then return {'rejected', violations, tostring(hs), hc} end
end

-- SPEC 7 chain: the client's hash when it predicted this head, else computed here.
local chain, fast
if expSeq ~= '' and tonumber(expSeq) == hs and expChain == hc and is_hex64(proposed) then
  chain, fast = proposed, '1'
else
  chain, fast = chain_hash(hc, leaf), '0'
end
local seq = tostring(hs + 1)
redis.call('HSET', P .. 'e:' .. seq, 's', seq, 't', token, 'j', jti, 'w', wid, 'i', iss, 'a', at,
  'l', leaf, 'c', chain, 'n', nonce, 'ia', iat, 'p', predRaw, 'pd', pd, 'u', table.concat(unresolved, ','))
redis.call('HSET', P .. 'k', idKey, seq)
redis.call('HSETNX', P .. 'j', jtiLower, seq)
redis.call('RPUSH', P .. 'w:' .. widLower, seq)
redis.call('HSET', P .. 'head', 's', seq, 'c', chain)
return {'appended', entry(seq), seq, chain, fast}
`;

/**
 * The read script (`no-writes`: also runs on replicas and when the server is out of memory).
 * `ARGV`: 1 prefix, 2 operation, then its arguments:
 * - `head` -> `{seq, chain}`
 * - `key <identity key>` / `jti <jti lower-cased>` / `seq <n>` -> entry or nil
 * - `range <from> <to> <limit>` -> `{head seq, head chain, entry...}`
 * - `workflow <wid lower-cased or ""> <start> <count>` -> `{entry...}`
 * - `conflicts <start> <count>` -> `{json...}`
 */
const READ_BODY = `
local op = ARGV[2]
if op == 'head' then
  local s, c = head()
  return {tostring(s), c}
elseif op == 'key' or op == 'jti' then
  local s = redis.call('HGET', P .. (op == 'key' and 'k' or 'j'), ARGV[3])
  if not s then return false end
  return entry(s)
elseif op == 'seq' then
  if redis.call('EXISTS', P .. 'e:' .. ARGV[3]) == 0 then return false end
  return entry(ARGV[3])
elseif op == 'range' then
  local s, c = head()
  local from, to, limit = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
  if to > s then to = s end
  local out = {tostring(s), c}
  local i = from
  while i <= to and #out - 2 < limit do
    out[#out + 1] = entry(i)
    i = i + 1
  end
  return out
elseif op == 'workflow' then
  local start, count = tonumber(ARGV[4]), tonumber(ARGV[5])
  local seqs = redis.call('LRANGE', P .. 'w:' .. ARGV[3], start, start + count - 1)
  local out = {}
  for _, s in ipairs(seqs) do out[#out + 1] = entry(s) end
  return out
elseif op == 'conflicts' then
  local start, count = tonumber(ARGV[3]), tonumber(ARGV[4])
  return redis.call('LRANGE', P .. 'x', start, start + count - 1)
end
return redis.error_reply('ECT_SCRIPT_ARGS unknown read operation')
`;

/**
 * The import script: writes a batch of already verified entries. `ARGV`: 1 prefix, 2 expected head
 * seq, 3 expected head chain, 4 number of entries, then per entry 12 values: seq, token, jti, wid,
 * iss, ingestedAt, leafHash, chainHash, identity key, iat, pred, pol_decision. Compare-and-set on
 * the head: a batch continues exactly the head it was built on, and a retried batch that already
 * landed is recognised (`done`).
 */
const IMPORT_BODY = `
local expSeq, expChain, n = tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
local hs, hc = head()
local lastSeq, lastChain = ARGV[4 + (n - 1) * 12 + 1], ARGV[4 + (n - 1) * 12 + 8]
if tostring(hs) == lastSeq and hc == lastChain then return {'done', tostring(hs), hc} end
if hs ~= expSeq or hc ~= expChain then return {'moved', tostring(hs), hc} end
for i = 0, n - 1 do
  local b = 4 + i * 12
  if redis.call('HEXISTS', P .. 'k', ARGV[b + 9]) == 1 then return {'exists', ARGV[b + 1]} end
end
for i = 0, n - 1 do
  local b = 4 + i * 12
  local seq = ARGV[b + 1]
  local wid = ARGV[b + 4]
  redis.call('HSET', P .. 'e:' .. seq, 's', seq, 't', ARGV[b + 2], 'j', ARGV[b + 3], 'w', wid, 'i', ARGV[b + 5],
    'a', ARGV[b + 6], 'l', ARGV[b + 7], 'c', ARGV[b + 8], 'n', 'import:' .. seq, 'ia', ARGV[b + 10],
    'p', ARGV[b + 11], 'pd', ARGV[b + 12], 'u', '')
  redis.call('HSET', P .. 'k', ARGV[b + 9], seq)
  redis.call('HSETNX', P .. 'j', string.lower(ARGV[b + 3]), seq)
  redis.call('RPUSH', P .. 'w:' .. string.lower(wid), seq)
end
redis.call('HSET', P .. 'head', 's', lastSeq, 'c', lastChain)
return {'imported', lastSeq, lastChain}
`;

/** A script with its source and SHA-1 (the EVALSHA handle). */
export interface LuaScript {
  /** The full source sent with EVAL after a NOSCRIPT reply. */
  readonly source: string;
  /** SHA-1 hex of `source`. */
  readonly sha: string;
}

function script(source: string): LuaScript {
  return Object.freeze({ source, sha: createHash("sha1").update(source).digest("hex") });
}

/** The append script (writes). */
export const APPEND_SCRIPT: LuaScript = script(`#!lua\n${LUA_SHA256}${LUA_COMMON}${APPEND_BODY}`);
/** The read script (no writes). */
export const READ_SCRIPT: LuaScript = script(`#!lua flags=no-writes\n${LUA_COMMON}${READ_BODY}`);
/** The import script (writes). */
export const IMPORT_SCRIPT: LuaScript = script(`#!lua\n${LUA_COMMON}${IMPORT_BODY}`);
/** A script that only computes a chain hash, for tests of the Lua SHA-256 against ect-core. */
export const CHAIN_HASH_SCRIPT: LuaScript = script(
  `#!lua flags=no-writes\n${LUA_SHA256}\nreturn chain_hash(ARGV[1], ARGV[2])`,
);
