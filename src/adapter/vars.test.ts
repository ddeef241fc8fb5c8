import { describe, expect, it } from 'vitest';
import { SessionVars } from './vars.ts';

const vars = (): SessionVars => new SessionVars({ user: 'materialize', database: 'materialize', applicationName: 'psql' });

describe('SessionVars', () => {
  it('reports the startup ParameterStatus set', () => {
    const names = vars().reported().map(([n]) => n);
    for (const n of ['server_version', 'client_encoding', 'DateStyle', 'TimeZone', 'integer_datetimes', 'standard_conforming_strings', 'application_name', 'IntervalStyle', 'is_superuser', 'session_authorization', 'cluster', 'database', 'search_path', 'mz_version']) {
      expect(names).toContain(n);
    }
  });

  it('SET is case-insensitive, reports reported variables, and RESET restores the default', () => {
    const v = vars();
    expect(v.set('APPLICATION_NAME', 'x')).toEqual(['application_name', 'x']);
    expect(v.get('application_name')).toBe('x');
    expect(v.reset('application_name')).toEqual(['application_name', 'psql']);
  });

  it('rejects unknown variables with 42704 and read-only ones with 22023', () => {
    expect(() => vars().set('no_such_thing', '1')).toThrow(expect.objectContaining({ code: '42704', message: 'unrecognized configuration parameter "no_such_thing"' }));
    expect(() => vars().set('server_version', '16')).toThrow(expect.objectContaining({ code: '22023' }));
  });

  it('normalizes isolation levels as Materialize does', () => {
    const v = vars();
    v.set('transaction_isolation', 'REPEATABLE READ');
    expect(v.isolation()).toBe('serializable');
    v.set('transaction_isolation', 'strict serializable');
    expect(v.isolation()).toBe('strict serializable');
  });

  it('keeps the search path as a list', () => {
    const v = vars();
    v.set('search_path', 'a, "b"');
    expect(v.searchPath()).toEqual(['a', 'b']);
  });
});
