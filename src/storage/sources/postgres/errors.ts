/**
 * The errors a PostgreSQL source reports, with Materialize's texts (test/pg-cdc/*.td match on them):
 * purification errors (CREATE SOURCE fails) and definite ingestion errors (a subsource becomes
 * unreadable: every read of it fails with the error, never returns silently wrong data).
 */
import { SqlError, SqlState } from '../../../util/index.ts';

const CONNECT_FAILED = 'failed to connect to PostgreSQL database';

export function connectFailed(detail: string): SqlError {
  return new SqlError('08006', CONNECT_FAILED, { detail });
}

export function walLevelTooLow(walLevel: string): SqlError {
  return new SqlError(SqlState.featureNotSupported, `server must have wal_level >= logical, but has ${walLevel}`);
}

export function replicationDisabled(): SqlError {
  return new SqlError(SqlState.featureNotSupported, 'replication disabled on server', { hint: 'Set max_wal_senders to a value greater than 0.' });
}

export function noReplicationPrivilege(user: string): SqlError {
  return new SqlError(SqlState.insufficientPrivilege, CONNECT_FAILED, { detail: `user ${user} must have the REPLICATION role attribute` });
}

export function lacksPrivileges(user: string, privilege: 'USAGE' | 'SELECT', kind: 'schemas' | 'tables', names: readonly string[]): SqlError {
  return new SqlError(SqlState.insufficientPrivilege, CONNECT_FAILED, { detail: `user ${user} lacks ${privilege} privileges for ${kind} ${names.join(', ')}` });
}

export function notReplicaIdentityFull(tables: readonly string[]): SqlError {
  return new SqlError(SqlState.invalidParameterValue, CONNECT_FAILED, {
    detail: `the following are not tables with REPLICA IDENTITY FULL: ${tables.join(', ')}`,
    hint: 'Run ALTER TABLE ... REPLICA IDENTITY FULL upstream.',
  });
}

export function publicationNotFound(publication: string): SqlError {
  return new SqlError(SqlState.undefinedObject, `publication ${JSON.stringify(publication)} does not exist`);
}

export function tableNotFound(name: string): SqlError {
  return new SqlError(SqlState.undefinedTable, `table ${name} not found in source`);
}

export function unsupportedTypes(columns: readonly string[]): SqlError {
  return new SqlError(SqlState.featureNotSupported, 'referenced tables use unsupported types', {
    detail: `the following columns use unsupported types: ${columns.join(', ')}`,
    hint: 'Use TEXT COLUMNS (...) to ingest them as text, or EXCLUDE COLUMNS (...) to skip them.',
  });
}

export function columnNotFound(ref: string, option: 'TEXT COLUMNS' | 'EXCLUDE COLUMNS'): SqlError {
  return new SqlError(SqlState.undefinedColumn, `${option} refers to column ${ref}, which is not in a table of the source`);
}

export function duplicateSubsource(name: string): SqlError {
  return new SqlError(SqlState.duplicateTable, `multiple subsources would be named ${name}`, {
    hint: 'Use FOR TABLES (schema.table AS other_name, ...) to give them distinct names.',
  });
}

export function ambiguousTable(name: string): SqlError {
  return new SqlError(SqlState.ambiguousColumn, `table name ${name} is ambiguous: qualify it with its schema`);
}

// --- definite ingestion errors: the text a read of the subsource fails with ---------------------

export const ingestErrors = {
  truncated: (table: string): string => `source table ${table} got truncated`,
  altered: (table: string, oid: number, why: string): string => `incompatible schema change: source table ${table} with oid ${oid} has been altered (${why})`,
  removedFromPublication: (table: string, publication: string): string => `table ${table} was removed from publication ${publication} (or dropped)`,
  slotDropped: (slot: string): string => `replication slot ${slot} does not exist: it was dropped upstream`,
  publicationDropped: (publication: string): string => `publication ${JSON.stringify(publication)} does not exist`,
  missingOldRow: (oid: number): string =>
    `Old row missing from replication stream for table with OID = ${oid}. Did you forget to set REPLICA IDENTITY to FULL for your table?`,
  missingToast: (table: string, column: string): string => `unchanged TOAST value of column ${column} in table ${table} is missing from the replication stream`,
  decode: (table: string, column: string, message: string): string => `failed to decode column ${column} of source table ${table}: ${message}`,
  snapshotInterrupted: (): string =>
    'the initial snapshot of this source was interrupted and cannot be resumed; drop and recreate the source',
} as const;

/** SQLSTATE of a read that hits a subsource's ingestion error (Materialize reports these as XX000). */
export const SOURCE_ERROR_SQLSTATE = SqlState.internalError;
