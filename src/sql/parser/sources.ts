/**
 * Materialize's statements for external systems: CREATE SECRET, CREATE CONNECTION ... TO POSTGRES,
 * CREATE SOURCE ... FROM POSTGRES | LOAD GENERATOR, and DROP SOURCE/CONNECTION/SECRET/SINK/CLUSTER.
 * Parsed into plain nodes; the adapter purifies and sequences them (they need the outside world).
 */
import type { Cursor } from './cursor.ts';

export interface ConnectionOption {
  /** Upper-cased option name: HOST, PORT, USER, PASSWORD, DATABASE, SSL MODE, ... */
  readonly name: string;
  /** A literal value, or a reference to a secret (PASSWORD SECRET s). */
  readonly value: { readonly kind: 'literal'; readonly text: string } | { readonly kind: 'secret'; readonly name: readonly string[] };
}

export type SourceDdl =
  | { readonly kind: 'secret'; readonly value: string }
  | { readonly kind: 'connection'; readonly connectionType: string; readonly options: readonly ConnectionOption[]; readonly validate?: boolean }
  | {
      readonly kind: 'postgresSource';
      readonly inCluster?: string;
      readonly connection: readonly string[];
      readonly publication: string;
      readonly textColumns: readonly string[];
      readonly excludeColumns: readonly string[];
      readonly tables: { readonly kind: 'all' } | { readonly kind: 'schemas'; readonly schemas: readonly string[] } | { readonly kind: 'tables'; readonly tables: readonly { readonly name: string; readonly alias?: string }[] };
    }
  | { readonly kind: 'loadGeneratorSource'; readonly inCluster?: string; readonly generator: string; readonly options: readonly ConnectionOption[]; readonly forAllTables: boolean };

/** `CREATE SECRET|CONNECTION|SOURCE [IF NOT EXISTS] name` has been consumed; parses the rest. */
export function parseSourceDdl(c: Cursor, objectType: 'secret' | 'connection' | 'source'): SourceDdl | undefined {
  switch (objectType) {
    case 'secret': {
      c.expectKw('AS');
      return { kind: 'secret', value: c.stringLit() };
    }
    case 'connection': {
      c.expectKw('TO');
      const connectionType = c.ident().toLowerCase();
      const options = connectionOptions(c);
      let validate: boolean | undefined;
      if (c.eatKw('WITH')) {
        c.expectPunct('(');
        c.expectKw('VALIDATE');
        c.eatPunct('=');
        validate = !(c.eatKw('FALSE') || c.eatKw('OFF'));
        if (validate) c.eatKw('TRUE') || c.eatKw('ON');
        c.expectPunct(')');
      }
      return validate === undefined ? { kind: 'connection', connectionType, options } : { kind: 'connection', connectionType, options, validate };
    }
    case 'source': {
      let inCluster: string | undefined;
      if (c.eatKws('IN', 'CLUSTER')) inCluster = c.ident();
      c.expectKw('FROM');
      if (c.eatKws('LOAD', 'GENERATOR')) {
        const generator = c.ident().toLowerCase();
        const options = c.isPunct('(') ? connectionOptions(c) : [];
        const forAllTables = c.eatKws('FOR', 'ALL', 'TABLES');
        return { kind: 'loadGeneratorSource', generator, options, forAllTables, ...(inCluster === undefined ? {} : { inCluster }) };
      }
      c.expectKw('POSTGRES');
      c.expectKw('CONNECTION');
      const connection = c.objectName();
      c.expectPunct('(');
      let publication: string | undefined;
      const textColumns: string[] = [];
      const excludeColumns: string[] = [];
      for (;;) {
        if (c.eatKw('PUBLICATION')) {
          c.eatPunct('=');
          publication = c.stringLit();
        } else if (c.isKw('TEXT') && c.isKw('COLUMNS', 1)) {
          c.eatKws('TEXT', 'COLUMNS');
          c.eatPunct('=');
          textColumns.push(...columnRefs(c));
        } else if (c.isKw('EXCLUDE') && c.isKw('COLUMNS', 1)) {
          c.eatKws('EXCLUDE', 'COLUMNS');
          c.eatPunct('=');
          excludeColumns.push(...columnRefs(c));
        } else {
          throw c.error();
        }
        if (c.eatPunct(')')) break;
        c.expectPunct(',');
      }
      if (publication === undefined) throw c.error();
      c.expectKw('FOR');
      let tables: Extract<SourceDdl, { kind: 'postgresSource' }>['tables'];
      if (c.eatKws('ALL', 'TABLES')) tables = { kind: 'all' };
      else if (c.eatKw('SCHEMAS')) tables = { kind: 'schemas', schemas: c.identList() };
      else {
        c.expectKw('TABLES');
        c.expectPunct('(');
        const list: { name: string; alias?: string }[] = [];
        for (;;) {
          const name = c.objectName().join('.');
          if (c.eatKw('AS')) list.push({ name, alias: c.ident() });
          else list.push({ name });
          if (c.eatPunct(')')) break;
          c.expectPunct(',');
        }
        tables = { kind: 'tables', tables: list };
      }
      if (!c.atEnd()) throw c.error();
      return { kind: 'postgresSource', connection, publication, textColumns, excludeColumns, tables, ...(inCluster === undefined ? {} : { inCluster }) };
    }
  }
}

function columnRefs(c: Cursor): string[] {
  c.expectPunct('(');
  const out = [c.objectName().join('.')];
  while (c.eatPunct(',')) out.push(c.objectName().join('.'));
  c.expectPunct(')');
  return out;
}

/** `( NAME [=] value | NAME SECRET name, ... )` where names may be two words (SSL MODE, TICK INTERVAL). */
function connectionOptions(c: Cursor): ConnectionOption[] {
  c.expectPunct('(');
  const out: ConnectionOption[] = [];
  if (c.eatPunct(')')) return out;
  for (;;) {
    const words = [c.ident().toUpperCase()];
    while (!c.atEnd() && !c.isPunct('=') && !c.isPunct(',') && !c.isPunct(')')) {
      const t = c.peek()!;
      if (t.name === 'SCONST' || t.name === 'ICONST' || t.name === 'FCONST') break;
      if (c.isKw('SECRET')) break;
      // A second name word only for the known two-word options.
      const two = `${words[0]} ${t.text.toUpperCase()}`;
      if (words.length === 1 && ['SSL MODE', 'TICK INTERVAL', 'MAX CARDINALITY', 'SCALE FACTOR', 'AS OF', 'UP TO', 'SSL CERTIFICATE', 'SSL KEY'].includes(two)) {
        words.push(c.ident().toUpperCase());
        continue;
      }
      break;
    }
    c.eatPunct('=');
    if (c.eatKw('SECRET')) {
      out.push({ name: words.join(' '), value: { kind: 'secret', name: c.objectName() } });
    } else {
      const t = c.peek();
      if (t === undefined) throw c.error();
      let text: string;
      if (t.name === 'SCONST') text = c.stringLit();
      else if (t.name === 'ICONST' || t.name === 'FCONST') {
        text = t.text;
        c.i++;
      } else text = c.ident();
      out.push({ name: words.join(' '), value: { kind: 'literal', text } });
    }
    if (c.eatPunct(')')) return out;
    c.expectPunct(',');
  }
}

/** `DROP SOURCE|CONNECTION|SECRET|SINK|CLUSTER [IF EXISTS] name [, ...] [CASCADE | RESTRICT]`. */
export function parseDropOther(c: Cursor): { objectType: 'source' | 'connection' | 'secret' | 'sink' | 'cluster'; names: string[][]; ifExists: boolean; cascade: boolean } {
  c.expectKw('DROP');
  const objectType = c.ident().toLowerCase() as 'source' | 'connection' | 'secret' | 'sink' | 'cluster';
  const ifExists = c.eatKws('IF', 'EXISTS');
  const names = [c.objectName()];
  while (c.eatPunct(',')) names.push(c.objectName());
  const cascade = c.eatKw('CASCADE');
  if (!cascade) c.eatKw('RESTRICT');
  if (!c.atEnd()) throw c.error();
  return { objectType, names, ifExists, cascade };
}
