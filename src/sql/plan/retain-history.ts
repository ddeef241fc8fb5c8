/**
 * ALTER <table | materialized view | index | source> name SET (RETAIN HISTORY FOR ...) / RESET
 * (RETAIN HISTORY): resolves the object and computes its new create_sql (where the window lives).
 */
import { SqlError, SqlState } from '../../util/index.ts';
import { type AlterRetainHistory, withRetainHistory } from '../parser/index.ts';
import type { CatalogItemKind, PlanContext } from './catalog-api.ts';
import { fullName } from './ddl.ts';
import type { Plan } from './plan.ts';

const WORDS: Record<AlterRetainHistory['objectType'], string> = {
  table: 'TABLE', 'materialized-view': 'MATERIALIZED VIEW', index: 'INDEX', source: 'SOURCE',
};

const KIND_WORDS: Partial<Record<CatalogItemKind, string>> = {
  table: 'table', view: 'view', 'materialized-view': 'materialized view', index: 'index', source: 'source',
};

export function planAlterRetainHistory(a: AlterRetainHistory, pc: PlanContext): Plan {
  const tag = `ALTER ${WORDS[a.objectType]}`;
  const item = pc.catalog.resolveItem(a.name, pc.searchPath, pc.database);
  if (item === undefined) {
    if (a.ifExists) return { kind: 'noop', tag, notice: `${KIND_WORDS[a.objectType] ?? a.objectType} "${a.name.join('.')}" does not exist, skipping` };
    throw new SqlError(SqlState.undefinedTable, `unknown catalog item '${a.name.join('.')}'`);
  }
  if (item.kind !== a.objectType) {
    const want = KIND_WORDS[a.objectType] ?? a.objectType;
    const actual = KIND_WORDS[item.kind] ?? item.kind;
    throw new SqlError(SqlState.wrongObjectType, `${fullName(item.name)} is not ${/^[aeiou]/.test(want) ? 'an' : 'a'} ${want}`, {
      hint: `Use ALTER ${actual.toUpperCase()} to alter ${/^[aeiou]/.test(actual) ? 'an' : 'a'} ${actual}.`,
    });
  }
  if (!/^u/.test(item.id)) throw new SqlError(SqlState.insufficientPrivilege, `system item '${fullName(item.name)}' cannot be modified`);
  return { kind: 'alterRetainHistory', id: item.id, createSql: withRetainHistory(item.createSql, a.objectType, a.value), tag };
}
