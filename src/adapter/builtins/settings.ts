/**
 * pg_settings rows: every session variable Tributary knows, with its default value (pg_settings is
 * global here; a session's own values are what SHOW and current_setting() return).
 */
import type { Row } from '../../repr/index.ts';
import { SessionVars } from '../vars.ts';

export function settingsRows(): Row[] {
  const vars = new SessionVars({ user: 'materialize', database: 'materialize', applicationName: '' });
  const rows: Row[] = vars.all().map(([name, value]) => [
    name, value, null, 'Tributary', '', null, 'user', 'string', 'default', null, null, null, value, value, null, null, false,
  ]);
  // Read-only limits drivers read (pgjdbc's getImportedKeys/getIndexInfo fail without max_index_keys).
  for (const [name, value] of PRESET) {
    rows.push([name, value, null, 'Preset Options', '', null, 'internal', 'integer', 'default', value, value, null, value, value, null, null, false]);
  }
  return rows;
}

const PRESET: readonly (readonly [string, string])[] = [['max_index_keys', '32'], ['max_function_args', '100'], ['block_size', '8192']];
