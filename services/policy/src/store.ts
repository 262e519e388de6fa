import type { BudgetFile } from "@switchyard/config";
import type { Redis } from "ioredis";
import type { StoredKey, StoredTeam } from "./records.js";

// Every policy key shares the `{policy}` hash tag, so the scripts below run on Redis Cluster too.
const LOOKUP = `
local id = redis.call('HGET', KEYS[1], ARGV[1])
if not id then return false end
return redis.call('HGET', KEYS[2], id)
`;

// KEYS: names, keys, digests. ARGV: name, id, record, digest. Fails (0) when the name is taken.
const CREATE = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[4], ARGV[2])
return 1
`;

// KEYS: keys, digests. ARGV: id, record, old digest, new digest ('' to drop the old one only).
const REPLACE = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] ~= ARGV[4] then redis.call('HDEL', KEYS[2], ARGV[3]) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], ARGV[4], ARGV[1]) end
return 1
`;

/** Keys and teams made through the admin API, in Redis, shared by every policy replica. */
export class PolicyStore {
  private readonly keysHash: string;
  private readonly digests: string;
  private readonly names: string;
  private readonly teamsHash: string;
  /** Budgets of API keys and teams, by spend scope (`key:<name>`), for the budget consumer's alerts. */
  readonly budgetsHash: string;
  /** The same for the config file's keys and teams, replaced whole on each (re)load. */
  readonly configBudgetsHash: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    const base = `${prefix}{policy}:`;
    this.keysHash = `${base}keys`;
    this.digests = `${base}digests`;
    this.names = `${base}key-names`;
    this.teamsHash = `${base}teams`;
    this.budgetsHash = `${base}budgets`;
    this.configBudgetsHash = `${base}config-budgets`;
    redis.defineCommand("policyLookup", { numberOfKeys: 2, lua: LOOKUP });
    redis.defineCommand("policyCreateKey", { numberOfKeys: 3, lua: CREATE });
    redis.defineCommand("policyReplaceKey", { numberOfKeys: 2, lua: REPLACE });
  }

  private get scripts(): Scripts {
    return this.redis as unknown as Scripts;
  }

  async keyByDigest(digest: string): Promise<StoredKey | undefined> {
    const json = await this.scripts.policyLookup(this.digests, this.keysHash, digest);
    return json ? (JSON.parse(json) as StoredKey) : undefined;
  }

  async key(id: string): Promise<StoredKey | undefined> {
    const json = await this.redis.hget(this.keysHash, id);
    return json ? (JSON.parse(json) as StoredKey) : undefined;
  }

  async keyByName(name: string): Promise<StoredKey | undefined> {
    const id = await this.redis.hget(this.names, name);
    return id ? this.key(id) : undefined;
  }

  async keys(): Promise<StoredKey[]> {
    const all = await this.redis.hvals(this.keysHash);
    return all.map((json) => JSON.parse(json) as StoredKey).sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  /** False when another key already has the name. */
  async createKey(key: StoredKey): Promise<boolean> {
    const created = await this.scripts.policyCreateKey(
      this.names,
      this.keysHash,
      this.digests,
      key.name,
      key.id,
      JSON.stringify(key),
      key.digest,
    );
    if (created === 1) await this.setBudget(`key:${key.name}`, key.budget);
    return created === 1;
  }

  /** Stores `key` over its old version; a revoked key's digest stops resolving. */
  async replaceKey(key: StoredKey, oldDigest: string): Promise<void> {
    await this.scripts.policyReplaceKey(
      this.keysHash,
      this.digests,
      key.id,
      JSON.stringify(key),
      oldDigest,
      key.revoked_at ? "" : key.digest,
    );
    await this.setBudget(`key:${key.name}`, key.revoked_at ? undefined : key.budget);
  }

  async team(name: string): Promise<StoredTeam | undefined> {
    const json = await this.redis.hget(this.teamsHash, name);
    return json ? (JSON.parse(json) as StoredTeam) : undefined;
  }

  async teams(): Promise<StoredTeam[]> {
    return (await this.redis.hvals(this.teamsHash))
      .map((json) => JSON.parse(json) as StoredTeam)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** `onlyNew`: false when the team exists already. */
  async putTeam(team: StoredTeam, onlyNew: boolean): Promise<boolean> {
    const json = JSON.stringify(team);
    if (onlyNew) {
      if ((await this.redis.hsetnx(this.teamsHash, team.name, json)) === 0) return false;
    } else {
      await this.redis.hset(this.teamsHash, team.name, json);
    }
    await this.setBudget(`team:${team.name}`, team.budget);
    return true;
  }

  async deleteTeam(name: string): Promise<boolean> {
    const removed = await this.redis.hdel(this.teamsHash, name);
    await this.setBudget(`team:${name}`, undefined);
    return removed === 1;
  }

  /** The config file's budgets by scope, replacing those of the previous load. */
  async setConfigBudgets(budgets: Record<string, BudgetFile>): Promise<void> {
    const multi = this.redis.multi().del(this.configBudgetsHash);
    const entries = Object.entries(budgets);
    if (entries.length > 0) multi.hset(this.configBudgetsHash, Object.fromEntries(entries.map(([scope, b]) => [scope, JSON.stringify(b)])));
    await multi.exec();
  }

  private async setBudget(scope: string, budget: BudgetFile | undefined): Promise<void> {
    if (budget) await this.redis.hset(this.budgetsHash, scope, JSON.stringify(budget));
    else await this.redis.hdel(this.budgetsHash, scope);
  }
}

interface Scripts {
  policyLookup(digests: string, keys: string, digest: string): Promise<string | null>;
  policyCreateKey(names: string, keys: string, digests: string, name: string, id: string, record: string, digest: string): Promise<number>;
  policyReplaceKey(keys: string, digests: string, id: string, record: string, oldDigest: string, newDigest: string): Promise<number>;
}
