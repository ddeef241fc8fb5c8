/**
 * Name scopes: the columns visible to an expression, with the table names/aliases that qualify them.
 * Column i of the scope is column i of the relation expression being built.
 */
import type { ScalarType } from '../../repr/index.ts';
import { SqlError, SqlState } from '../../util/index.ts';

export interface ScopeItem {
  /** Table name or alias qualifying this column (undefined for derived columns). */
  readonly table?: string;
  readonly schema?: string;
  readonly database?: string;
  readonly name: string;
  readonly type: ScalarType;
  readonly nullable: boolean;
  /** Hidden from unqualified lookup and `*` (the right copy of a USING/NATURAL join column). */
  readonly usingHidden?: boolean;
  /**
   * A column of an enclosing query carried into a correlated subquery: resolvable by name, but only
   * when no column of the subquery's own FROM matches, and never part of `*`.
   */
  readonly outer?: boolean;
  /** The catalog relation column this item is a bare reference to (RowDescription's table OID / attnum). */
  readonly origin?: ColumnOrigin;
}

export interface ColumnOrigin {
  readonly tableOid: number;
  readonly attnum: number;
}

export class Scope {
  readonly items: readonly ScopeItem[];
  constructor(items: readonly ScopeItem[]) {
    this.items = items;
  }

  static empty(): Scope {
    return new Scope([]);
  }

  concat(other: Scope): Scope {
    return new Scope([...this.items, ...other.items]);
  }

  /** Re-qualifies every column with `alias` (FROM x AS alias (c1, c2, ...)). */
  withAlias(alias: string, columns?: readonly string[]): Scope {
    return new Scope(this.items.map((it, i) => ({ name: columns?.[i] ?? it.name, type: it.type, nullable: it.nullable, table: alias, ...(it.origin === undefined ? {} : { origin: it.origin }) })));
  }

  hasTable(table: string): boolean {
    return this.items.some((it) => it.table === table);
  }

  /** Resolves a column reference of 1–4 name parts; undefined if no column matches. Throws 42702 when ambiguous. */
  resolve(parts: readonly string[]): number | undefined {
    const name = parts[parts.length - 1]!;
    const table = parts.length >= 2 ? parts[parts.length - 2] : undefined;
    const schema = parts.length >= 3 ? parts[parts.length - 3] : undefined;
    return this.resolveTier(parts, name, table, schema, false) ?? this.resolveTier(parts, name, table, schema, true);
  }

  private resolveTier(parts: readonly string[], name: string, table: string | undefined, schema: string | undefined, outer: boolean): number | undefined {
    let found: number | undefined;
    for (let i = 0; i < this.items.length; i++) {
      const it = this.items[i]!;
      if (it.name !== name || (it.outer === true) !== outer) continue;
      if (table === undefined ? it.usingHidden === true : it.table !== table) continue;
      if (schema !== undefined && it.schema !== schema) continue;
      if (found !== undefined) throw new SqlError(SqlState.ambiguousColumn, `column reference "${parts.join('.')}" is ambiguous`);
      found = i;
    }
    return found;
  }

  /** Columns of `table.*` (or of `*` when table is undefined), in order. */
  star(table?: readonly string[]): number[] {
    const out: number[] = [];
    const t = table?.[table.length - 1];
    for (let i = 0; i < this.items.length; i++) {
      const it = this.items[i]!;
      if (it.outer === true) continue;
      if (t === undefined ? it.usingHidden !== true : it.table === t) out.push(i);
    }
    if (t !== undefined && out.length === 0) {
      throw new SqlError(SqlState.undefinedTable, `missing FROM-clause entry for table "${t}"`);
    }
    return out;
  }
}
