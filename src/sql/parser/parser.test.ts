/** Runs the parser data files in testdata/ (see the header of each file for the format). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqlError } from '../../util/index.ts';
import type { Statement } from './ast.ts';
import { initParser, parseStatements } from './index.ts';

function summarize(s: Statement): string {
  const a = s.ast;
  let d: string;
  switch (a.kind) {
    case 'pg': d = `pg:${Object.keys(a.node)[0]}${a.asOf !== undefined ? ' asOf' : ''}${a.mutuallyRecursive !== undefined ? ` wmr=${a.mutuallyRecursive.bindings.map((b) => `${b.name}(${b.columns.map((c) => c.name).join(',')})`).join(',')}${a.mutuallyRecursive.limit !== undefined ? ` limit=${a.mutuallyRecursive.limit.kind}:${a.mutuallyRecursive.limit.n}` : ''}` : ''}`; break;
    case 'subscribe': d = `subscribe:${a.target.kind === 'name' ? `name=${a.target.name.join('.')}` : 'query'} options=${a.options.map((o) => (o.value === undefined ? o.name : `${o.name}=${o.value}`)).join(',')}${a.asOf !== undefined ? ` asOf=${a.asOf.atLeast ? 'atLeast' : 'exact'}` : ''}${a.envelope !== undefined ? ` envelope=${a.envelope.kind}(${a.envelope.key.join(',')})` : ''}${a.withinTimestampOrderBy !== undefined ? ` within=${a.withinTimestampOrderBy.length}` : ''}`; break;
    case 'show': d = `show:${a.what}${a.from ? ` from=${a.from.join('.')}` : ''}${a.on ? ` on=${a.on.join('.')}` : ''}${a.inCluster ? ` cluster=${a.inCluster}` : ''}${a.filter && 'like' in a.filter ? ` like=${a.filter.like}` : ''}`; break;
    case 'showColumns': d = `showColumns:${a.from.join('.')}`; break;
    case 'showCreate': d = `showCreate:${a.objectType} ${a.name.join('.')}`; break;
    case 'createMaterializedView': d = `createMaterializedView:${a.name.join('.')}${a.inCluster ? ` cluster=${a.inCluster}` : ''}${a.replace ? ' replace' : ''}${a.ifNotExists ? ' ifNotExists' : ''}`; break;
    case 'createIndex': d = `createIndex:${a.isDefault ? 'default' : `name=${a.name ?? '-'}`} on=${a.on.join('.')} keys=${a.keys?.length ?? '-'}`; break;
    case 'createOther': d = `createOther:${a.objectType} ${a.name.join('.')}${a.detail ? ` ${a.detail.kind}` : ''}`; break;
    case 'fetch': d = `fetch:${a.cursor} count=${a.count}${a.timeout !== undefined ? ` timeout=${a.timeout}` : ''}`; break;
    case 'declare': d = `declare:${a.name} inner=${a.inner.ast.kind}`; break;
    case 'explainPlan': d = `explainPlan:${a.stage} inner=${a.explainee.ast.kind}`; break;
    case 'explainTimestamp': d = `explainTimestamp:${a.explainee.ast.kind}`; break;
    case 'copySubscribe': d = 'copySubscribe'; break;
    case 'validateConnection': d = `validateConnection:${a.name.join('.')}`; break;
    case 'dropOther': d = `dropOther:${a.objectType} ${a.names.map((n) => n.join('.')).join(',')}${a.ifExists ? ' ifExists' : ''}${a.cascade ? ' cascade' : ''}`; break;
    case 'alterRetainHistory': d = `alterRetainHistory:${a.objectType} ${a.name.join('.')}${a.value !== undefined ? ` value=${a.value}` : ' reset'}`; break;
    default: d = a.kind; break;
  }
  return `${s.tagHint} | ${d}${s.paramCount > 0 ? ` params=${s.paramCount}` : ''}`;
}

function run(sql: string): string[] {
  try {
    return parseStatements(sql).map(summarize);
  } catch (err) {
    if (!(err instanceof SqlError)) throw err;
    return [`error ${err.code} ${err.message} @${err.position ?? '-'}`];
  }
}

const file = readFileSync(join(import.meta.dirname, 'testdata', 'statements.txt'), 'utf8');
const cases = file.split(/\n\s*\n/).map((c) => c.split('\n').filter((l) => !l.startsWith('#')).join('\n').trim()).filter((c) => c.startsWith('parse'));

describe('parser data file', () => {
  beforeAll(async () => {
    await initParser();
  });
  for (const c of cases) {
    const [input, expected] = c.slice('parse\n'.length).split(/\n----\n?/) as [string, string | undefined];
    it(input.split('\n')[0]!, () => {
      expect(run(input)).toEqual((expected ?? '').split('\n').filter((l) => l !== ''));
    });
  }
});
