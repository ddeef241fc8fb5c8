/**
 * Materialize's cluster statements: CREATE CLUSTER [REPLICA], DROP CLUSTER [REPLICA], ALTER CLUSTER
 * [REPLICA] (SET / RESET / RENAME TO / SWAP WITH). Options are kept as written (`MzOption`); their
 * meaning is decided by planning.
 */
import type { ClusterStatement, MzOption, ReplicaDef } from './ast.ts';
import { Cursor } from './cursor.ts';
import { identOf, scan, stringOf } from './tokens.ts';
import { unsupported } from '../../util/index.ts';

/** `name [=] value, ...` without parentheses (the older `CREATE CLUSTER c SIZE = 'x'` form). */
function bareOptions(c: Cursor): MzOption[] {
  const out: MzOption[] = [];
  while (!c.atEnd()) {
    const words: string[] = [];
    while (!c.atEnd() && !c.isPunct('=') && !c.isPunct(',') && !['SCONST', 'ICONST', 'FCONST'].includes(c.peek()!.name)) words.push(c.ident().toUpperCase());
    if (words.length === 0) throw c.error();
    c.eatPunct('=');
    const t = c.peek();
    if (t === undefined || c.isPunct(',')) throw c.error();
    out.push({ name: words.join(' '), value: t.name === 'SCONST' ? stringOf(t) : t.name === 'IDENT' ? identOf(t) : t.text });
    c.i++;
    if (!c.eatPunct(',')) break;
  }
  return out;
}

/** `( r1 (SIZE '1'), r2 (SIZE = '2') )`: the replicas of an unmanaged cluster. */
function replicaDefs(c: Cursor): ReplicaDef[] {
  c.expectPunct('(');
  const out: ReplicaDef[] = [];
  if (c.eatPunct(')')) return out;
  for (;;) {
    const name = c.ident();
    out.push({ name, options: c.isPunct('(') ? c.options() : [] });
    if (c.eatPunct(')')) return out;
    c.expectPunct(',');
  }
}

/** Splits a `REPLICAS (...)` option (its value is the raw parenthesized text) out of an option list. */
function splitReplicas(options: readonly MzOption[]): { options: MzOption[]; replicas?: ReplicaDef[] } {
  const rest: MzOption[] = [];
  let replicas: ReplicaDef[] | undefined;
  for (const o of options) {
    if (o.name === 'REPLICAS' && o.value !== undefined) {
      const inner = new Cursor(o.value, 0, scan(o.value, 0));
      replicas = replicaDefs(inner);
    } else rest.push(o);
  }
  return replicas === undefined ? { options: rest } : { options: rest, replicas };
}

/** `cluster.replica` */
function replicaName(c: Cursor): readonly [string, string] {
  const cluster = c.ident();
  c.expectPunct('.');
  return [cluster, c.ident()] as const;
}

export function parseCreateCluster(c: Cursor): ClusterStatement {
  c.expectKw('CREATE');
  c.expectKw('CLUSTER');
  if (c.eatKw('REPLICA')) {
    const [cluster, replica] = replicaName(c);
    c.eatKw('WITH');
    const options = c.isPunct('(') ? c.options() : bareOptions(c);
    if (!c.atEnd()) throw c.error();
    return { kind: 'createClusterReplica', cluster, replica, options };
  }
  const name = c.ident();
  let options: MzOption[] = [];
  let replicas: ReplicaDef[] | undefined;
  if (c.eatKw('REPLICAS')) replicas = replicaDefs(c);
  else {
    c.eatKw('WITH');
    if (c.isPunct('(')) {
      const split = splitReplicas(c.options());
      options = split.options;
      replicas = split.replicas;
    } else if (!c.atEnd()) options = bareOptions(c);
  }
  if (!c.atEnd()) throw c.error();
  return replicas === undefined ? { kind: 'createCluster', name, options } : { kind: 'createCluster', name, options, replicas };
}

export function parseDropCluster(c: Cursor): ClusterStatement {
  c.expectKw('DROP');
  c.expectKw('CLUSTER');
  if (c.eatKw('REPLICA')) {
    const ifExists = c.eatKws('IF', 'EXISTS');
    const names = [replicaName(c)];
    while (c.eatPunct(',')) names.push(replicaName(c));
    if (!c.eatKw('CASCADE')) c.eatKw('RESTRICT');
    if (!c.atEnd()) throw c.error();
    return { kind: 'dropClusterReplica', names, ifExists };
  }
  const ifExists = c.eatKws('IF', 'EXISTS');
  const names = [c.ident()];
  while (c.eatPunct(',')) names.push(c.ident());
  const cascade = c.eatKw('CASCADE');
  if (!cascade) c.eatKw('RESTRICT');
  if (!c.atEnd()) throw c.error();
  return { kind: 'dropCluster', names, ifExists, cascade };
}

export function parseAlterCluster(c: Cursor): ClusterStatement {
  c.expectKw('ALTER');
  c.expectKw('CLUSTER');
  if (c.eatKw('REPLICA')) {
    const ifExists = c.eatKws('IF', 'EXISTS');
    const [cluster, replica] = replicaName(c);
    c.expectKw('RENAME');
    c.expectKw('TO');
    const to = c.ident();
    if (!c.atEnd()) throw c.error();
    return { kind: 'alterClusterReplica', cluster, replica, ifExists, to };
  }
  const ifExists = c.eatKws('IF', 'EXISTS');
  const name = c.ident();
  let action: Extract<ClusterStatement, { kind: 'alterCluster' }>['action'];
  if (c.eatKw('SET')) {
    if (c.isPunct('(')) action = { kind: 'set', options: c.options() };
    else throw c.error();
  } else if (c.eatKw('RESET')) {
    action = { kind: 'reset', options: c.options().map((o) => o.name) };
  } else if (c.eatKws('RENAME', 'TO')) {
    action = { kind: 'rename', to: c.ident() };
  } else if (c.eatKws('SWAP', 'WITH')) {
    action = { kind: 'swap', with: c.ident() };
  } else if (c.isKws('OWNER', 'TO')) {
    throw unsupported('ALTER CLUSTER ... OWNER TO');
  } else {
    throw c.error();
  }
  if (!c.atEnd()) throw c.error();
  return { kind: 'alterCluster', name, ifExists, action };
}
