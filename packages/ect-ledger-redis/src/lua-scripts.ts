/**
 * The server-side Lua scripts of the Redis ledger backend: storage and atomicity only (profile §7
 * "Backends"). No hashing and no DAG rule runs here: leaf hashes, tree nodes and checkpoints come
 * from `ect-ledger`, and the DAG rules run in `ect-ledger` through `ect-dag` (profile §6 note: with
 * `unresolvedPredecessors: "reject"` only the identity check must be atomic with the append, and
 * that is what the sequencing script does). Every write is one script run, so Redis executes it
 * atomically, on a standalone server and on Cluster (all keys of a ledger share one hash tag, see
 * `ledger-keys.ts`).
 *
 * The `#!lua` shebang makes Redis (7+) check `maxmemory` once, before the script starts: under
 * `noeviction` a write over the limit is refused whole (`OOM`), never half-written. Every script
 * checks first and writes last.
 *
 * @internal
 */
import { createHash } from "node:crypto";

/** The entry fields, in the order scripts return them. */
const ENTRY_FIELDS = "'x', 't', 'j', 'w', 'i', 'a', 'v', 'l', 'n'";

const LUA_COMMON = `
local p = ARGV[1]
local function entry_at(idx)
  local e = redis.call('HMGET', p .. 'e:' .. idx, ${ENTRY_FIELDS})
  if not e[2] then return false end
  return e
end
`;

/**
 * One sequencing step (profile §7): identity key taken -> 'exists' with the stored entry;
 * otherwise the next index (INCR), the entry, the identity, jti and workflow indexes.
 * ARGV: prefix, key, jtiLower, widLower, token, jti, wid, iss, ingestedAt, wit ("" none, else "w"..WIT),
 * leafHash, nonce.
 */
const SEQUENCE_BODY = `
local key = ARGV[2]
local existing = redis.call('HGET', p .. 'k', key)
if existing then
  return {'exists', entry_at(existing)}
end
local index = redis.call('INCR', p .. 'n') - 1
local idx = tostring(index)
redis.call('HSET', p .. 'e:' .. idx, 'x', idx, 't', ARGV[5], 'j', ARGV[6], 'w', ARGV[7], 'i', ARGV[8],
  'a', ARGV[9], 'v', ARGV[10], 'l', ARGV[11], 'n', ARGV[12])
redis.call('HSET', p .. 'k', key, idx)
redis.call('HSETNX', p .. 'j', ARGV[3], idx)
redis.call('RPUSH', p .. 'w:' .. ARGV[4], idx)
return {'appended', entry_at(idx)}
`;

/**
 * Reads. ARGV[2] is the operation: 'key' (ARGV[3] identity key), 'jti' (ARGV[3] lower-cased jti),
 * 'range' (ARGV[3] start, ARGV[4] end exclusive), 'workflow' (ARGV[3] lower-cased wid, ARGV[4]
 * offset, ARGV[5] count), 'size', 'nodes' (ARGV[3..] level:index pairs), 'checkpoints'.
 */
const READ_BODY = `
local op = ARGV[2]
if op == 'key' or op == 'jti' then
  local idx = redis.call('HGET', p .. (op == 'key' and 'k' or 'j'), ARGV[3])
  if not idx then return {} end
  local e = entry_at(idx)
  if not e then return {} end
  return {e}
elseif op == 'range' then
  local out = {}
  for i = tonumber(ARGV[3]), tonumber(ARGV[4]) - 1 do
    local e = entry_at(i)
    if e then out[#out + 1] = e end
  end
  return out
elseif op == 'workflow' then
  local first = tonumber(ARGV[4])
  local ids = redis.call('LRANGE', p .. 'w:' .. ARGV[3], first, first + tonumber(ARGV[5]) - 1)
  local out = {}
  for _, idx in ipairs(ids) do
    local e = entry_at(idx)
    if e then out[#out + 1] = e end
  end
  return out
elseif op == 'size' then
  return tonumber(redis.call('GET', p .. 'n') or '0')
elseif op == 'nodes' then
  local out = {}
  for i = 3, #ARGV do
    local sep = string.find(ARGV[i], ':', 1, true)
    out[#out + 1] = redis.call('HGET', p .. 't:' .. string.sub(ARGV[i], 1, sep - 1), string.sub(ARGV[i], sep + 1)) or ''
  end
  return out
elseif op == 'checkpoints' then
  if ARGV[3] == 'latest' then
    local c = redis.call('LINDEX', p .. 'c', -1)
    if not c then return {} end
    return {c}
  end
  return redis.call('LRANGE', p .. 'c', 0, -1)
elseif op == 'conflicts' then
  return redis.call('LRANGE', p .. 'x', 0, -1)
end
return redis.error_reply('ERR unknown read ' .. tostring(op))
`;

/**
 * Records a conflict once per (key, token). ARGV: prefix, key ‖ NUL ‖ token (the dedup field),
 * the record JSON without its id (a prefix '{' is completed with the id here).
 */
const CONFLICT_BODY = `
local known = redis.call('HGET', p .. 'xk', ARGV[2])
if known then return redis.call('LINDEX', p .. 'x', tonumber(known)) end
local id = redis.call('LLEN', p .. 'x')
local record = '{"id":' .. id .. ',' .. string.sub(ARGV[3], 2)
redis.call('RPUSH', p .. 'x', record)
redis.call('HSET', p .. 'xk', ARGV[2], tostring(id))
return record
`;

/**
 * The integration compare-and-set: stores nodes and the checkpoint iff the integrated size is
 * still ARGV[2]. ARGV: prefix, fromSize, toSize, checkpoint JSON, then level, index, hash triples.
 */
const COMMIT_BODY = `
local current = redis.call('GET', p .. 'cs') or '0'
if current ~= ARGV[2] then return 0 end
for i = 5, #ARGV, 3 do
  redis.call('HSET', p .. 't:' .. ARGV[i], ARGV[i + 1], ARGV[i + 2])
end
redis.call('RPUSH', p .. 'c', ARGV[4])
redis.call('SET', p .. 'cs', ARGV[3])
return 1
`;

/**
 * One chunk of an import into an empty ledger. ARGV: prefix, 'first' or 'next', entry count, then
 * per entry key, jtiLower, widLower, token, jti, wid, iss, ingestedAt, wit, leafHash.
 */
const IMPORT_BODY = `
local n = tonumber(redis.call('GET', p .. 'n') or '0')
if ARGV[2] == 'first' and (n > 0 or redis.call('EXISTS', p .. 'c') == 1 or redis.call('EXISTS', p .. 'x') == 1) then
  return redis.error_reply('ECTNOTEMPTY the ledger is not empty')
end
local count = tonumber(ARGV[3])
for k = 0, count - 1 do
  local b = 4 + k * 10
  local idx = tostring(n + k)
  redis.call('HSET', p .. 'e:' .. idx, 'x', idx, 't', ARGV[b + 3], 'j', ARGV[b + 4], 'w', ARGV[b + 5], 'i', ARGV[b + 6],
    'a', ARGV[b + 7], 'v', ARGV[b + 8], 'l', ARGV[b + 9], 'n', 'import')
  redis.call('HSET', p .. 'k', ARGV[b], idx)
  redis.call('HSETNX', p .. 'j', ARGV[b + 1], idx)
  redis.call('RPUSH', p .. 'w:' .. ARGV[b + 2], idx)
end
redis.call('SET', p .. 'n', tostring(n + count))
return n + count
`;

/** Releases the ledger lock iff it still holds this owner's token. ARGV: prefix, token. */
const UNLOCK_BODY = `
if redis.call('GET', p .. 'lock') == ARGV[2] then return redis.call('DEL', p .. 'lock') end
return 0
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

/** The sequencing script (writes): identity and index, atomically. */
export const SEQUENCE_SCRIPT: LuaScript = script(`#!lua\n${LUA_COMMON}${SEQUENCE_BODY}`);
/** The read script (no writes). */
export const READ_SCRIPT: LuaScript = script(`#!lua flags=no-writes\n${LUA_COMMON}${READ_BODY}`);
/** The conflict-evidence script (writes). */
export const CONFLICT_SCRIPT: LuaScript = script(`#!lua\n${LUA_COMMON}${CONFLICT_BODY}`);
/** The integration compare-and-set (writes). */
export const COMMIT_SCRIPT: LuaScript = script(`#!lua\n${LUA_COMMON}${COMMIT_BODY}`);
/** One import chunk (writes). */
export const IMPORT_SCRIPT: LuaScript = script(`#!lua\n${LUA_COMMON}${IMPORT_BODY}`);
/** Releases the ledger lock (writes). */
export const UNLOCK_SCRIPT: LuaScript = script(`#!lua\n${LUA_COMMON}${UNLOCK_BODY}`);
