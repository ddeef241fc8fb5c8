/**
 * Secrets, connections and sources: the statements that need the outside world. CREATE SOURCE is
 * purified first (the upstream publication's tables, columns and types are read once), and the
 * answer is stored in the catalog, so a restart resumes the same ingestion from its durable position.
 * Each upstream table becomes a subsource (a stored collection read like a table), plus
 * `<source>_progress`.
 */
import type { GlobalId } from '../expr/index.ts';
import type { PersistClient } from '../persist/index.ts';
import {
  PROGRESS_DESC, type PostgresConnectionConfig, type PostgresSourceHandle, type PurifiedTable,
  SOURCE_ERROR_SQLSTATE, generatorOutputs, type LoadGeneratorHandle, startLoadGenerator, newSlotName, purifyPostgresSource, startPostgresSource, subsourceDesc, validatePostgresConnection, dropReplicationSlot,
} from '../storage/index.ts';
import type { QualifiedName, Statement } from '../sql/index.ts';
import { type Interval, type RelationDesc, type Timestamp, T, parseText, relationDesc } from '../repr/index.ts';
import { type Logger, SqlError, SqlState } from '../util/index.ts';
import { type CatalogItem, type ItemExtra, durableItem, formatName, itemKindLabel } from './catalog.ts';
import { clusterForNewObject } from './clusters.ts';
import type { Coordinator } from './coordinator.ts';
import { commandResult } from './rows.ts';
import type { ExecuteResult } from './session-api.ts';
import type { SessionImpl } from './session.ts';

type CreateOther = Extract<Statement['ast'], { kind: 'createOther' }>;

/** Running sources by source id. */
export class SourceManager {
  readonly #handles = new Map<GlobalId, PostgresSourceHandle>();
  readonly #generators = new Map<GlobalId, LoadGeneratorHandle>();
  readonly #persist: PersistClient;
  readonly #logger: Logger;

  constructor(persist: PersistClient, logger: Logger) {
    this.#persist = persist;
    this.#logger = logger;
  }

  async start(coord: Coordinator, source: CatalogItem): Promise<void> {
    const extra = source.extra;
    if (extra?.kind === 'load-generator') {
      const handle = await startLoadGenerator({
        name: formatName(source.name), generator: extra.generator, tickMs: extra.tickMs, shards: extra.shards,
        options: {
          seed: extra.seed, ...(extra.maxCardinality === undefined ? {} : { maxCardinality: extra.maxCardinality }),
          ...(extra.asOf === undefined ? {} : { asOf: extra.asOf }), ...(extra.upTo === undefined ? {} : { upTo: extra.upTo }),
        },
      }, this.#persist, this.#logger.child({ source: source.name.item }));
      this.#generators.set(source.id, handle);
      return;
    }
    if (extra?.kind !== 'postgres-source') return;
    const handle = await startPostgresSource({
      name: formatName(source.name),
      connection: connectionConfig(coord, extra.connection),
      publication: extra.publication,
      slotName: extra.slotName,
      tables: extra.tables as PurifiedTable[],
      shards: extra.shards,
    }, this.#persist, this.#logger.child({ source: source.name.item }));
    this.#handles.set(source.id, handle);
  }

  handle(id: GlobalId): PostgresSourceHandle | undefined {
    return this.#handles.get(id);
  }

  generator(id: GlobalId): LoadGeneratorHandle | undefined {
    return this.#generators.get(id);
  }

  statuses(): { id: GlobalId; status: ReturnType<PostgresSourceHandle['status']> }[] {
    return [...this.#handles].map(([id, h]) => ({ id, status: h.status() }));
  }

  /** DROP SOURCE: stops ingestion, drops the replication slot and the source's shards. */
  async drop(coord: Coordinator, source: CatalogItem): Promise<void> {
    const generator = this.#generators.get(source.id);
    if (generator !== undefined) {
      this.#generators.delete(source.id);
      await generator.drop();
      return;
    }
    const handle = this.#handles.get(source.id);
    this.#handles.delete(source.id);
    if (handle !== undefined) {
      await handle.drop();
      return;
    }
    const extra = source.extra;
    if (extra?.kind !== 'postgres-source') return;
    await dropReplicationSlot(connectionConfig(coord, extra.connection), extra.slotName).catch((err: unknown) => {
      this.#logger.warn({ err, slot: extra.slotName }, 'could not drop the replication slot of a dropped source');
    });
    for (const shardId of [extra.shards.progress, extra.shards.errors, ...extra.shards.data]) {
      await (await this.#persist.open(shardId)).drop();
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#handles.values(), ...this.#generators.values()].map((h) => h.stop().catch(() => undefined)));
    this.#handles.clear();
    this.#generators.clear();
  }
}

/** Resolves a connection item into a config with its secret filled in. */
function connectionConfig(coord: Coordinator, id: GlobalId): PostgresConnectionConfig {
  const conn = coord.catalog.getItem(id)?.extra;
  if (conn?.kind !== 'postgres-connection') throw new SqlError(SqlState.undefinedObject, `unknown connection '${id}'`);
  let password = conn.password;
  if (conn.passwordSecret !== undefined) {
    const secret = coord.catalog.getItem(conn.passwordSecret)?.extra;
    if (secret?.kind !== 'secret') throw new SqlError(SqlState.undefinedObject, `unknown secret '${conn.passwordSecret}'`);
    password = secret.value;
  }
  return { host: conn.host, port: conn.port, user: conn.user, database: conn.database, ...(password === undefined ? {} : { password }), ...(conn.sslMode === undefined ? {} : { sslMode: conn.sslMode }) };
}

function qualify(session: SessionImpl, coord: Coordinator, parts: readonly string[]): QualifiedName {
  const database = parts.length === 3 ? parts[0]! : session.vars.get('database');
  const schema = parts.length >= 2 ? parts[parts.length - 2]! : session.vars.searchPath().find((s) => coord.catalog.schemaExists(database, s)) ?? 'public';
  return { database, schema, item: parts[parts.length - 1]! };
}

function resolveKind(coord: Coordinator, session: SessionImpl, parts: readonly string[], kind: 'secret' | 'connection'): CatalogItem {
  const item = coord.catalog.resolveItem(parts, session.vars.searchPath(), session.vars.get('database'));
  if (item === undefined || item.kind !== kind) throw new SqlError(SqlState.undefinedObject, `unknown catalog item '${parts.join('.')}'`);
  return item;
}

/** CREATE SECRET / CONNECTION / SOURCE. Caller holds the write lock. */
export async function sequenceCreateOther(coord: Coordinator, session: SessionImpl, stmt: Statement, ast: CreateOther): Promise<ExecuteResult> {
  const tag = `CREATE ${ast.objectType.toUpperCase()}`;
  const detail = ast.detail;
  if (detail === undefined || (detail.kind === 'connection' && detail.connectionType !== 'postgres')) {
    throw new SqlError(SqlState.featureNotSupported, `${detail?.kind === 'connection' ? `CREATE CONNECTION ... TO ${detail.connectionType.toUpperCase()}` : tag} not yet supported`);
  }

  const name = qualify(session, coord, ast.name);
  if (!coord.catalog.schemaExists(name.database, name.schema)) throw new SqlError(SqlState.undefinedSchema, `unknown schema '${name.schema}'`);
  const existing = coord.catalog.nameTaken(name);
  if (existing !== undefined) {
    if (ast.ifNotExists) {
      session.notice(`${itemKindLabel(existing.kind)} "${formatName(name)}" already exists, skipping`);
      return commandResult(tag);
    }
    throw new SqlError(SqlState.duplicateTable, `${itemKindLabel(existing.kind)} "${formatName(name)}" already exists`);
  }
  const createSql = stmt.sql;
  switch (detail.kind) {
    case 'secret': {
      const { id, oid } = coord.catalog.allocateId();
      await add(coord, [{ id, oid, name, kind: 'secret', createSql: redactSecret(createSql), dependsOn: [], extra: { kind: 'secret', value: detail.value } }]);
      return commandResult(tag);
    }
    case 'connection': {
      const opts = new Map(detail.options.map((o) => [o.name, o.value]));
      const literal = (n: string): string | undefined => {
        const v = opts.get(n);
        if (v === undefined) return undefined;
        if (v.kind !== 'literal') throw new SqlError(SqlState.invalidParameterValue, `${n} must be a value, not a secret`);
        return v.text;
      };
      for (const n of opts.keys()) {
        if (!['HOST', 'PORT', 'USER', 'PASSWORD', 'DATABASE', 'SSL MODE'].includes(n)) throw new SqlError(SqlState.featureNotSupported, `POSTGRES connection option ${n} not yet supported`);
      }
      const host = literal('HOST');
      if (host === undefined) throw new SqlError(SqlState.invalidParameterValue, 'HOST option is required');
      const pw = opts.get('PASSWORD');
      let passwordSecret: GlobalId | undefined;
      let password: string | undefined;
      const dependsOn: GlobalId[] = [];
      if (pw?.kind === 'secret') {
        passwordSecret = resolveKind(coord, session, pw.name, 'secret').id;
        dependsOn.push(passwordSecret);
      } else if (pw?.kind === 'literal') {
        throw new SqlError(SqlState.invalidParameterValue, 'invalid PASSWORD: must provide a secret value', { hint: 'Use PASSWORD SECRET <secret name>.' });
      }
      const sslRaw = literal('SSL MODE')?.toLowerCase();
      if (sslRaw !== undefined && sslRaw !== 'disable' && sslRaw !== 'require') throw new SqlError(SqlState.featureNotSupported, `SSL MODE ${sslRaw} not yet supported`);
      const extra: ItemExtra = {
        kind: 'postgres-connection', host, port: Number(literal('PORT') ?? 5432), user: literal('USER') ?? 'postgres', database: literal('DATABASE') ?? 'postgres',
        ...(passwordSecret === undefined ? {} : { passwordSecret }), ...(password === undefined ? {} : { password }), ...(sslRaw === undefined ? {} : { sslMode: sslRaw }),
      };
      const { id, oid } = coord.catalog.allocateId();
      const item: CatalogItem = { id, oid, name, kind: 'connection', createSql, dependsOn, extra };
      if (detail.validate !== false) {
        coord.catalog.addItem(item);
        try {
          await validatePostgresConnection(connectionConfig(coord, id));
        } finally {
          coord.catalog.removeItem(id);
        }
      }
      await add(coord, [item]);
      return commandResult(tag);
    }
    case 'loadGeneratorSource': {
      const generator = detail.generator;
      if (generator !== 'counter' && generator !== 'auction') throw new SqlError(SqlState.featureNotSupported, `LOAD GENERATOR ${generator.toUpperCase()} not yet supported`);
      if (generator === 'auction' && !detail.forAllTables) throw new SqlError(SqlState.invalidParameterValue, 'multi-output sources require a FOR ALL TABLES clause');
      let tickMs = 1000;
      let maxCardinality: number | undefined;
      let asOf: number | undefined;
      let upTo: number | undefined;
      let seed = 0;
      for (const o of detail.options) {
        const text = o.value.kind === 'literal' ? o.value.text : undefined;
        if (text === undefined) throw new SqlError(SqlState.invalidParameterValue, `${o.name} must be a value`);
        if (o.name === 'TICK INTERVAL') {
          const iv = parseText(text, T.interval) as Interval;
          tickMs = Math.max(1, Number(iv.totalMicros() / 1000n));
        } else if (o.name === 'MAX CARDINALITY' && generator === 'counter') {
          maxCardinality = Number(text);
          if (!Number.isInteger(maxCardinality) || maxCardinality < 0) throw new SqlError(SqlState.invalidParameterValue, 'MAX CARDINALITY must be a non-negative integer');
        } else if (o.name === 'AS OF' || o.name === 'UP TO') {
          const n = Number(text);
          if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new SqlError(SqlState.invalidParameterValue, `invalid ${o.name}: ${text}`);
          if (o.name === 'AS OF') asOf = n;
          else upTo = n;
        } else if (o.name === 'SEED') {
          seed = Number(text) | 0;
        } else {
          throw new SqlError(SqlState.featureNotSupported, `LOAD GENERATOR option ${o.name} not yet supported`);
        }
      }
      const clusterId = clusterForNewObject(coord, session.vars.get('cluster'), detail.inCluster);
      if (asOf !== undefined && upTo !== undefined && upTo < asOf) throw new SqlError(SqlState.invalidParameterValue, 'UP TO cannot be less than AS OF');
      const { id, oid } = coord.catalog.allocateId();
      const outputs = generatorOutputs(generator);
      const shards = { progress: `source-${id}-progress`, errors: `source-${id}-errors`, data: outputs.map((_, i) => `source-${id}-data-${i}`) };
      const items: CatalogItem[] = [];
      const addSub = (item: string, type: 'subsource' | 'progress', desc: RelationDesc, shardId: string): void => {
        items.push(subsourceItem(coord, id, { ...name, item }, type, desc, shardId));
      };
      addSub(`${name.item}_progress`, 'progress', relationDesc([{ name: 'offset', type: T.int8, nullable: true }]), shards.progress);
      const single = generator === 'counter';
      if (!single) outputs.forEach((o, i) => addSub(o.name, 'subsource', o.desc, shards.data[i]!));
      const columns = single ? outputs[0]!.desc.columns : undefined;
      const source: CatalogItem = {
        id, oid, name, kind: 'source', createSql, dependsOn: [], clusterId,
        ...(single ? { shardId: shards.data[0]!, desc: outputs[0]!.desc } : {}),
        extra: { kind: 'load-generator', generator, tickMs, seed, shards, ...(maxCardinality === undefined ? {} : { maxCardinality }), ...(asOf === undefined ? {} : { asOf }), ...(upTo === undefined ? {} : { upTo }), ...(columns === undefined ? {} : { columns }) },
      };
      await add(coord, [source, ...items]);
      if (single) await coord.openStoredShard(id, shards.data[0]!);
      for (const item of items) await coord.openStoredShard(item.id, item.shardId!);
      await coord.sources.start(coord, source);
      return commandResult(tag);
    }
    case 'postgresSource': {
      const connection = resolveKind(coord, session, detail.connection, 'connection');
      const clusterId = clusterForNewObject(coord, session.vars.get('cluster'), detail.inCluster);
      const purified = await purifyPostgresSource({
        connection: connectionConfig(coord, connection.id), publication: detail.publication, tables: detail.tables,
        textColumns: detail.textColumns, excludeColumns: detail.excludeColumns,
      });
      const { id, oid } = coord.catalog.allocateId();
      const items: CatalogItem[] = [];
      const subsourceIds: GlobalId[] = [];
      const data: string[] = [];
      const subsource = (item: string, type: 'subsource' | 'progress', desc: RelationDesc, shardId: string): void => {
        const sub = subsourceItem(coord, id, { ...name, item }, type, desc, shardId);
        subsourceIds.push(sub.id);
        items.push(sub);
      };
      const shards = { progress: `source-${id}-progress`, errors: `source-${id}-errors`, data };
      subsource(`${name.item}_progress`, 'progress', PROGRESS_DESC, shards.progress);
      purified.tables.forEach((t, i) => {
        const shardId = `source-${id}-data-${i}`;
        data.push(shardId);
        subsource(t.subsourceName, 'subsource', subsourceDesc(t), shardId);
      });
      const source: CatalogItem = {
        id, oid, name, kind: 'source', createSql, dependsOn: [connection.id], clusterId,
        extra: { kind: 'postgres-source', connection: connection.id, publication: detail.publication, slotName: newSlotName(), tables: purified.tables, shards, subsources: subsourceIds },
      };
      await add(coord, [source, ...items]);
      for (const item of items) await coord.openStoredShard(item.id, item.shardId!);
      await coord.sources.start(coord, source);
      return commandResult(tag);
    }
  }
}

/** VALIDATE CONNECTION: connects upstream and checks the settings a source needs; throws the problem. */
export async function validateConnection(coord: Coordinator, session: SessionImpl, name: readonly string[]): Promise<void> {
  const item = resolveKind(coord, session, name, 'connection');
  await validatePostgresConnection(connectionConfig(coord, item.id));
}

/** A subsource (one output of a source, or its progress relation): read like a table, owned by the source. */
function subsourceItem(coord: Coordinator, source: GlobalId, name: QualifiedName, type: 'subsource' | 'progress', desc: RelationDesc, shardId: string): CatalogItem {
  if (coord.catalog.nameTaken(name)) throw new SqlError(SqlState.duplicateTable, `${formatName(name)} already exists`);
  const { id, oid } = coord.catalog.allocateId();
  return {
    id, oid, name, kind: 'source', createSql: `CREATE SUBSOURCE ${name.item}`, shardId, dependsOn: [source], desc,
    extra: { kind: 'subsource', source, type, columns: desc.columns, ...(desc.keys === undefined ? {} : { keys: desc.keys }) },
  };
}

async function add(coord: Coordinator, items: readonly CatalogItem[]): Promise<void> {
  await coord.persistCatalog(items.map(durableItem), []);
  for (const item of items) coord.catalog.addItem(item);
}

function redactSecret(sql: string): string {
  return sql.replace(/\bAS\b[\s\S]*$/i, "AS '<REDACTED>'");
}

/** The first error of a subsource at `at`, if its source recorded one (reads then fail with it). */
export async function subsourceError(coord: Coordinator, persist: PersistClient, item: CatalogItem, at: Timestamp): Promise<SqlError | undefined> {
  if (item.extra?.kind !== 'subsource') return undefined;
  const source = coord.catalog.getItem(item.extra.source);
  if (source?.extra?.kind !== 'postgres-source') return undefined;
  const errors = await persist.open(source.extra.shards.errors);
  const upper = errors.upper();
  if (upper === 'closed' || upper <= at || errors.since() === 'closed' || (errors.since() as number) > at) return undefined;
  for (const [row, , diff] of await errors.snapshot(at)) {
    if (diff > 0 && row[0] === item.shardId) return new SqlError(SOURCE_ERROR_SQLSTATE, String(row[1]));
  }
  return undefined;
}

