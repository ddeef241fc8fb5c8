/**
 * Session variables: defaults, validation, which ones are reported to the client as ParameterStatus,
 * and SET/RESET/SHOW semantics (PostgreSQL's, with Materialize's variables and fixed values).
 */
import { SqlError, SqlState } from '../util/index.ts';

export const SERVER_VERSION = '9.5.0';
export const SERVER_VERSION_NUM = '90500';
export const MZ_VERSION = 'v0.1.0 (tributary)';

interface VarDef {
  /** Name as SHOW prints it and ParameterStatus reports it. */
  readonly name: string;
  readonly default: (ctx: VarDefaults) => string;
  /** Reported with ParameterStatus at startup and on change. */
  readonly reported: boolean;
  readonly readOnly?: boolean;
  /** Normalizes a SET value, or throws. */
  readonly parse?: (value: string) => string;
}

export interface VarDefaults {
  readonly user: string;
  readonly database: string;
  readonly applicationName: string;
}

const onOff = (name: string) => (v: string): string => {
  const s = v.toLowerCase();
  if (['on', 'true', 't', 'yes', '1'].includes(s)) return 'on';
  if (['off', 'false', 'f', 'no', '0'].includes(s)) return 'off';
  throw new SqlError(SqlState.invalidParameterValue, `parameter "${name}" requires a Boolean value`);
};

const only = (name: string, allowed: readonly string[], canonical: string) => (v: string): string => {
  if (allowed.includes(v.toLowerCase())) return canonical;
  throw new SqlError(SqlState.invalidParameterValue, `invalid value for parameter "${name}": "${v}"`);
};

const DEFS: readonly VarDef[] = [
  { name: 'application_name', default: (c) => c.applicationName, reported: true },
  { name: 'client_encoding', default: () => 'UTF8', reported: true, parse: only('client_encoding', ['utf8', 'utf-8', 'unicode'], 'UTF8') },
  { name: 'DateStyle', default: () => 'ISO, MDY', reported: true, parse: only('DateStyle', ['iso, mdy', 'iso', 'iso,mdy'], 'ISO, MDY') },
  { name: 'IntervalStyle', default: () => 'postgres', reported: true, parse: only('IntervalStyle', ['postgres'], 'postgres') },
  { name: 'TimeZone', default: () => 'UTC', reported: true, parse: only('TimeZone', ['utc', 'etc/utc', 'z', 'zulu', 'gmt', '+00:00', '00:00', '0', 'universal'], 'UTC') },
  { name: 'integer_datetimes', default: () => 'on', reported: true, readOnly: true },
  { name: 'standard_conforming_strings', default: () => 'on', reported: true, parse: only('standard_conforming_strings', ['on', 'true'], 'on') },
  { name: 'server_version', default: () => SERVER_VERSION, reported: true, readOnly: true },
  { name: 'server_version_num', default: () => SERVER_VERSION_NUM, reported: false, readOnly: true },
  { name: 'server_encoding', default: () => 'UTF8', reported: true, readOnly: true },
  { name: 'is_superuser', default: () => 'off', reported: true, readOnly: true },
  { name: 'session_authorization', default: (c) => c.user, reported: true, readOnly: true },
  { name: 'cluster', default: () => 'quickstart', reported: true },
  { name: 'cluster_replica', default: () => '', reported: false },
  { name: 'database', default: (c) => c.database, reported: true },
  { name: 'search_path', default: () => 'public', reported: true },
  { name: 'mz_version', default: () => MZ_VERSION, reported: true, readOnly: true },
  { name: 'transaction_isolation', default: () => 'strict serializable', reported: false, parse: (v) => {
    const s = v.toLowerCase().replace(/_/g, ' ');
    if (s === 'strict serializable') return 'strict serializable';
    if (['serializable', 'repeatable read', 'read committed', 'read uncommitted'].includes(s)) return 'serializable';
    throw new SqlError(SqlState.invalidParameterValue, `invalid value for parameter "transaction_isolation": "${v}"`);
  } },
  { name: 'extra_float_digits', default: () => '3', reported: false },
  { name: 'statement_timeout', default: () => '10s', reported: false },
  { name: 'idle_in_transaction_session_timeout', default: () => '2min', reported: false },
  { name: 'max_query_result_size', default: () => '1GB', reported: false },
  { name: 'emit_timestamp_notice', default: () => 'off', reported: false, parse: onOff('emit_timestamp_notice') },
  { name: 'auto_route_introspection_queries', default: () => 'on', reported: false, parse: onOff('auto_route_introspection_queries') },
  { name: 'auto_route_catalog_queries', default: () => 'on', reported: false, parse: onOff('auto_route_catalog_queries') },
  { name: 'real_time_recency', default: () => 'off', reported: false, parse: onOff('real_time_recency') },
  { name: 'enable_session_rbac_checks', default: () => 'off', reported: false },
  { name: 'lc_messages', default: () => 'C', reported: false },
  { name: 'lc_collate', default: () => 'C', reported: false, readOnly: true },
  { name: 'lc_ctype', default: () => 'C', reported: false, readOnly: true },
  { name: 'max_identifier_length', default: () => '63', reported: false, readOnly: true },
  { name: 'client_min_messages', default: () => 'notice', reported: false },
  { name: 'default_transaction_isolation', default: () => 'strict serializable', reported: false },
  { name: 'transaction_read_only', default: () => 'off', reported: false, readOnly: true },
  { name: 'welcome_message', default: () => 'on', reported: false, parse: onOff('welcome_message') },
  // dbt-materialize sets it at startup (reference/clients.md §3.5); Tributary sends no such warnings.
  { name: 'current_object_missing_warnings', default: () => 'on', reported: false, parse: onOff('current_object_missing_warnings') },
  { name: 'sql_safe_updates', default: () => 'off', reported: false, parse: onOff('sql_safe_updates') },
];

const BY_NAME = new Map(DEFS.map((d) => [d.name.toLowerCase(), d]));
const ALIASES = new Map([['schema', 'search_path'], ['names', 'client_encoding'], ['time zone', 'timezone'], ['time_zone', 'timezone']]);

function lookup(name: string): VarDef {
  const lower = name.toLowerCase();
  const def = BY_NAME.get(ALIASES.get(lower) ?? lower);
  if (def === undefined) throw new SqlError(SqlState.undefinedObject, `unrecognized configuration parameter "${name}"`);
  return def;
}

export class SessionVars {
  readonly #values = new Map<string, string>();
  readonly #defaults: VarDefaults;

  constructor(defaults: VarDefaults) {
    this.#defaults = defaults;
    for (const d of DEFS) this.#values.set(d.name.toLowerCase(), d.default(defaults));
  }

  /** Bumped by every change: plans cached by a session are valid only for the generation they were made in. */
  generation = 0;

  get(name: string): string {
    const def = lookup(name);
    return this.#values.get(def.name.toLowerCase())!;
  }

  /** The canonical spelling of a variable's name. */
  canonicalName(name: string): string {
    return lookup(name).name;
  }

  /** Sets a variable; returns [name, value] when the change must be reported to the client. */
  set(name: string, value: string | 'default'): readonly [string, string] | undefined {
    const def = lookup(name);
    if (def.readOnly) throw new SqlError(SqlState.invalidParameterValue, `parameter "${def.name}" cannot be changed`);
    let v = value === 'default' ? def.default(this.#defaults) : value;
    if (value !== 'default' && def.parse) v = def.parse(v);
    if (def.name === 'search_path') v = v.split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1')).join(', ');
    this.#values.set(def.name.toLowerCase(), v);
    this.generation++;
    return def.reported ? [def.name, v] : undefined;
  }

  reset(name: string): readonly [string, string] | undefined {
    return this.set(name, 'default');
  }

  resetAll(): (readonly [string, string])[] {
    const changed: (readonly [string, string])[] = [];
    for (const d of DEFS) {
      if (d.readOnly) continue;
      const r = this.set(d.name, 'default');
      if (r) changed.push(r);
    }
    return changed;
  }

  reported(): (readonly [string, string])[] {
    return DEFS.filter((d) => d.reported).map((d) => [d.name, this.#values.get(d.name.toLowerCase())!] as const);
  }

  all(): (readonly [string, string, string])[] {
    return DEFS.map((d) => [d.name, this.#values.get(d.name.toLowerCase())!, ''] as const);
  }

  searchPath(): string[] {
    return this.get('search_path').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  }

  isolation(): 'strict serializable' | 'serializable' {
    return this.get('transaction_isolation') === 'serializable' ? 'serializable' : 'strict serializable';
  }
}
