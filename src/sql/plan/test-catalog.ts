/**
 * Test fixture (tests only): an in-memory CatalogReader plus a tiny "adapter" that executes the plans
 * planning tests need (CREATE TABLE/VIEW, INSERT, SELECT) with compute's batch evaluator, so tests can
 * assert end-to-end results as PostgreSQL text.
 */
import { applyFinishing, evaluateMir, expandCounts, type Multiset } from '../../compute/index.ts';
import type { GlobalId, MirRelationExpr } from '../../expr/index.ts';
import { type Datum, type Row, formatText } from '../../repr/index.ts';
import { SqlError } from '../../util/index.ts';
import { initParser, parseStatements } from '../parser/index.ts';
import type { CatalogItemInfo, CatalogReader, PlanContext } from './catalog-api.ts';
import type { Plan } from './plan.ts';
import { planStatement } from './statement.ts';

export class TestCatalog implements CatalogReader {
  readonly items = new Map<GlobalId, CatalogItemInfo>();
  readonly data = new Map<GlobalId, Multiset>();
  readonly schemas = new Set(['materialize.public']);
  private next = 1;

  resolveItem(parts: readonly string[], searchPath: readonly string[], database: string): CatalogItemInfo | undefined {
    const item = parts[parts.length - 1]!;
    const db = parts.length === 3 ? parts[0]! : database;
    const schemas = parts.length >= 2 ? [parts[parts.length - 2]!] : searchPath;
    for (const s of schemas) {
      for (const it of this.items.values()) if (it.name.item === item && it.name.schema === s && it.name.database === db) return it;
    }
    return undefined;
  }
  getItem(id: GlobalId): CatalogItemInfo | undefined {
    return this.items.get(id);
  }
  dependents(): readonly GlobalId[] {
    return [];
  }
  schemaExists(database: string, schema: string): boolean {
    return this.schemas.has(`${database}.${schema}`);
  }
  databaseExists(database: string): boolean {
    return database === 'materialize';
  }
  indexesOn(): readonly CatalogItemInfo[] {
    return [];
  }
  add(info: Omit<CatalogItemInfo, 'id'>): GlobalId {
    const id = `u${this.next++}`;
    this.items.set(id, { ...info, id });
    return id;
  }

  ctx(params: PlanContext['paramTypes'] = []): PlanContext {
    return { catalog: this, database: 'materialize', searchPath: ['public'], paramTypes: params, now: 1_600_000_000_000_000n };
  }

  private eval(e: MirRelationExpr): Row[] {
    const r = evaluateMir(e, { collections: this.data });
    if (r.errs.length > 0) {
      const [row] = r.errs[0]!;
      throw new SqlError(String(row[0]), String(row[1]));
    }
    return expandCounts(r.oks);
  }

  /** Executes each statement of `sql`; returns the rows of the last one as text (NULL as 'NULL'). */
  run(sql: string, params?: Datum[]): string[][] {
    let out: string[][] = [];
    for (const stmt of parseStatements(sql)) out = this.exec(planStatement(stmt, this.ctx(), params));
    return out;
  }

  exec(plan: Plan): string[][] {
    switch (plan.kind) {
      case 'createTable':
        this.data.set(this.add({ name: plan.name, kind: 'table', desc: plan.desc, defaults: plan.defaults, createSql: plan.createSql }), []);
        return [];
      case 'createView':
        this.add({ name: plan.name, kind: 'view', desc: plan.desc, plan: plan.plan, createSql: plan.createSql });
        return [];
      case 'insert': {
        const rows = this.eval(plan.values);
        this.data.get(plan.target)!.push(...rows.map((r) => [r, 1] as [Row, number]));
        return [[String(rows.length)]];
      }
      case 'readThenWrite': {
        const old = this.eval(plan.selection);
        const cur = this.data.get(plan.target)!;
        for (const r of old) {
          cur.push([r, -1]);
          if (plan.assignments !== undefined) {
            const mapped = this.eval({ kind: 'map', input: { kind: 'constant', rows: [[r, 1]], types: [] }, scalars: plan.assignments.map((a, i) => a ?? { kind: 'column', index: i, type: { name: 'text' } }) });
            cur.push([mapped[0]!.slice(r.length), 1]);
          }
        }
        return [[String(old.length)]];
      }
      case 'select': {
        const rows = applyFinishing(this.eval(plan.plan), plan.finishing);
        return rows.map((r) => r.map((d, i) => formatText(d, plan.desc.columns[i]!.type) ?? 'NULL'));
      }
      default: return [[plan.kind]];
    }
  }
}

export async function newTestCatalog(): Promise<TestCatalog> {
  await initParser();
  return new TestCatalog();
}
