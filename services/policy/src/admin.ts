import { createHash, randomBytes } from "node:crypto";
import type { TeamFile } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";
import type { ConfigRules } from "./authorizer.js";
import {
  CONFIG_KEY_PREFIX,
  configKeyView,
  configTeamView,
  type KeyRules,
  type StoredKey,
  type StoredTeam,
  storedKeyView,
  storedTeamView,
} from "./records.js";
import type { SpendQuery, SpendReport } from "./spend-report.js";
import type { PolicyStore } from "./store.js";

export interface AdminResult {
  status: number;
  body: unknown;
}

/** A new key's secret: 32 random bytes, recognisable by its prefix in logs and secret scanners. */
export function newSecret(): string {
  return `sk-sy-${randomBytes(32).toString("base64url")}`;
}

function hint(secret: string): string {
  return `${secret.slice(0, 6)}…${secret.slice(-4)}`;
}

type KeyFields = Omit<KeyRules, "name" | "role" | "team" | "models"> & Partial<Pick<KeyRules, "role" | "team" | "models">>;

/**
 * The admin API's operations on keys, teams and spend. Bodies arrive validated against the
 * routes' schemas (the ingress does that); every change is followed by `changed()`, which tells
 * every ingress to drop the decisions it reuses.
 */
export class AdminOperations {
  constructor(
    private readonly rules: () => ConfigRules,
    private readonly store: PolicyStore,
    private readonly spend: SpendReport,
    private readonly changed: () => void,
  ) {}

  async run(operation: string, id: string, body: Record<string, unknown>, callerKeyName: string): Promise<AdminResult> {
    switch (operation) {
      case "keys.create":
        return this.createKey(body as unknown as KeyFields & { name: string });
      case "keys.list":
        return { status: 200, body: { object: "list", data: await this.listKeys() } };
      case "keys.get":
        return { status: 200, body: await this.keyView(id) };
      case "keys.update":
        return this.updateKey(id, body as KeyFields);
      case "keys.revoke":
        return this.revokeKey(id);
      case "keys.rotate":
        return this.rotateKey(id);
      case "teams.create":
        return this.putTeam(body.name as string, body as TeamFile, true);
      case "teams.list":
        return { status: 200, body: { object: "list", data: await this.listTeams() } };
      case "teams.get":
        return { status: 200, body: await this.teamView(id) };
      case "teams.update":
        return this.putTeam(id, body as TeamFile, false);
      case "teams.delete":
        return this.deleteTeam(id);
      case "spend.query":
        return { status: 200, body: await this.spend.query(body as SpendQuery) };
      case "spend.own":
        return { status: 200, body: await this.ownSpend(callerKeyName) };
      default:
        throw new GatewayError("not_found", `Unknown admin operation "${operation}".`);
    }
  }

  private async createKey(fields: KeyFields & { name: string }): Promise<AdminResult> {
    if (this.rules().byName.has(fields.name)) throw nameTaken(fields.name);
    const secret = newSecret();
    const now = new Date().toISOString();
    const key: StoredKey = {
      ...fields,
      role: fields.role ?? "user",
      team: fields.team ?? "",
      models: fields.models ?? [],
      id: `key_${randomBytes(12).toString("hex")}`,
      digest: createHash("sha256").update(secret).digest("hex"),
      key_hint: hint(secret),
      created_at: now,
      updated_at: now,
    };
    if (!(await this.store.createKey(key))) throw nameTaken(fields.name);
    this.changed();
    return { status: 201, body: { ...storedKeyView(key), key: secret } };
  }

  private async listKeys() {
    return [...[...this.rules().byName.values()].map((k) => configKeyView(k)), ...(await this.store.keys()).map((k) => storedKeyView(k))];
  }

  private async keyView(id: string) {
    if (id.startsWith(CONFIG_KEY_PREFIX)) {
      const configured = this.rules().byName.get(id.slice(CONFIG_KEY_PREFIX.length));
      if (configured) return configKeyView(configured);
    }
    return storedKeyView(await this.storedKey(id));
  }

  private async storedKey(id: string): Promise<StoredKey> {
    if (id.startsWith(CONFIG_KEY_PREFIX) && this.rules().byName.has(id.slice(CONFIG_KEY_PREFIX.length))) {
      throw new GatewayError("conflict", `Key "${id}" is defined in the config file; change it there (a reload picks it up).`);
    }
    const key = await this.store.key(id);
    if (!key) throw new GatewayError("not_found", `No key with id "${id}".`, { param: "id" });
    return key;
  }

  private async updateKey(id: string, fields: KeyFields): Promise<AdminResult> {
    const key = await this.storedKey(id);
    if (key.revoked_at) throw new GatewayError("conflict", `Key "${id}" is revoked; create a new one.`);
    // `null` clears an optional field (JSON merge patch); anything else replaces it.
    const updated: Record<string, unknown> = { ...key, updated_at: new Date().toISOString() };
    for (const [field, value] of Object.entries(fields)) {
      if (value === null) delete updated[field];
      else updated[field] = value;
    }
    await this.store.replaceKey(updated as unknown as StoredKey, key.digest);
    this.changed();
    return { status: 200, body: storedKeyView(updated as unknown as StoredKey) };
  }

  private async revokeKey(id: string): Promise<AdminResult> {
    const key = await this.storedKey(id);
    const revoked: StoredKey = { ...key, revoked_at: key.revoked_at ?? new Date().toISOString() };
    await this.store.replaceKey(revoked, key.digest);
    this.changed();
    return { status: 200, body: { ...storedKeyView(revoked), deleted: true } };
  }

  private async rotateKey(id: string): Promise<AdminResult> {
    const key = await this.storedKey(id);
    if (key.revoked_at) throw new GatewayError("conflict", `Key "${id}" is revoked; create a new one.`);
    const secret = newSecret();
    const rotated: StoredKey = {
      ...key,
      digest: createHash("sha256").update(secret).digest("hex"),
      key_hint: hint(secret),
      updated_at: new Date().toISOString(),
    };
    await this.store.replaceKey(rotated, key.digest);
    this.changed();
    return { status: 200, body: { ...storedKeyView(rotated), key: secret } };
  }

  private async listTeams() {
    return [...Object.values(this.rules().config.teams).map(configTeamView), ...(await this.store.teams()).map(storedTeamView)];
  }

  private async teamView(name: string) {
    const configured = this.rules().config.teams[name];
    if (configured) return configTeamView(configured);
    const team = await this.store.team(name);
    if (!team) throw new GatewayError("not_found", `No team named "${name}".`, { param: "id" });
    return storedTeamView(team);
  }

  private async putTeam(name: string, fields: TeamFile & { name?: string }, create: boolean): Promise<AdminResult> {
    if (this.rules().config.teams[name]) {
      throw new GatewayError("conflict", `Team "${name}" is defined in the config file; change it there (a reload picks it up).`);
    }
    const now = new Date().toISOString();
    let team: StoredTeam;
    if (create) {
      const { name: _name, ...rules } = fields;
      team = { ...rules, name, created_at: now, updated_at: now };
      if (!(await this.store.putTeam(team, true)))
        throw new GatewayError("conflict", `A team named "${name}" exists already.`, { param: "name" });
    } else {
      const existing = await this.store.team(name);
      if (!existing) throw new GatewayError("not_found", `No team named "${name}".`, { param: "id" });
      const updated: Record<string, unknown> = { ...existing, updated_at: now };
      for (const [field, value] of Object.entries(fields)) {
        if (value === null) delete updated[field];
        else updated[field] = value;
      }
      team = updated as unknown as StoredTeam;
      await this.store.putTeam(team, false);
    }
    this.changed();
    return { status: create ? 201 : 200, body: storedTeamView(team) };
  }

  private async deleteTeam(name: string): Promise<AdminResult> {
    if (this.rules().config.teams[name]) {
      throw new GatewayError("conflict", `Team "${name}" is defined in the config file; remove it there.`);
    }
    if (!(await this.store.deleteTeam(name))) throw new GatewayError("not_found", `No team named "${name}".`, { param: "id" });
    this.changed();
    return { status: 200, body: { id: name, object: "team", deleted: true } };
  }

  private async ownSpend(keyName: string) {
    const rules = this.rules();
    const configured = rules.byName.get(keyName);
    const key: KeyRules | undefined = configured ?? (await this.store.keyByName(keyName));
    const team = key?.team ? (rules.config.teams[key.team] ?? (await this.store.team(key.team))) : undefined;
    return this.spend.own(keyName, key?.team ?? "", {
      ...(key?.budget ? { key: key.budget } : {}),
      ...(team?.budget ? { team: team.budget } : {}),
    });
  }
}

function nameTaken(name: string): GatewayError {
  return new GatewayError("conflict", `A key named "${name}" exists already; names identify keys in spend and usage events.`, {
    param: "name",
  });
}
