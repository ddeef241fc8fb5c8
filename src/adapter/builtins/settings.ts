/**
 * pg_settings rows: every session variable Tributary knows, with its default value (pg_settings is
 * global here; a session's own values are what SHOW and current_setting() return).
 */
import type { Row } from '../../repr/index.ts';
import { SessionVars } from '../vars.ts';

export function settingsRows(): Row[] {
  const vars = new SessionVars({ user: 'materialize', database: 'materialize', applicationName: '' });
  return vars.all().map(([name, value]) => [
    name, value, null, 'Tributary', '', null, 'user', 'string', 'default', null, null, null, value, value, null, null, false,
  ]);
}
