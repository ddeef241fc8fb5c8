/**
 * Planning of CREATE/DROP/ALTER CLUSTER [REPLICA]: validates options (Materialize's names, written
 * with or without `=`) into ClusterConfig / AlterClusterAction. Names stay unresolved: clusters
 * live in the adapter's catalog, which checks existence when it applies the plan.
 */
import { SqlError, SqlState, unsupported } from '../../util/index.ts';
import type { ClusterStatement, MzOption } from '../parser/index.ts';
import type { AlterClusterAction, ClusterConfig, Plan } from './plan.ts';

/** Options Materialize accepts that change nothing in a single-process server. */
const IGNORED = new Set(['DISK', 'INTROSPECTION INTERVAL', 'INTROSPECTION DEBUGGING', 'AVAILABILITY ZONES', 'AVAILABILITY ZONE', 'WORKLOAD CLASS', 'INTERNAL']);

function bool(o: MzOption): boolean {
  const v = (o.value ?? 'true').toLowerCase();
  if (['true', 'on', 't', '1'].includes(v)) return true;
  if (['false', 'off', 'f', '0'].includes(v)) return false;
  throw new SqlError(SqlState.invalidParameterValue, `invalid ${o.name} value: ${o.value ?? ''}`);
}

function size(o: MzOption): string {
  if (o.value === undefined || o.value === '') throw new SqlError(SqlState.invalidParameterValue, `${o.name} must have a value`);
  return o.value;
}

function replicationFactor(o: MzOption): number {
  const n = Number(o.value);
  if (o.value === undefined || !Number.isInteger(n) || n < 0) throw new SqlError(SqlState.invalidParameterValue, `invalid REPLICATION FACTOR: ${o.value ?? ''}`);
  return n;
}

interface ClusterOptions { size?: string; replicationFactor?: number; managed?: boolean }

function clusterOptions(options: readonly MzOption[], allowed: readonly string[]): ClusterOptions {
  const out: ClusterOptions = {};
  const seen = new Set<string>();
  for (const o of options) {
    if (seen.has(o.name)) throw new SqlError(SqlState.syntaxError, `${o.name} specified more than once`);
    seen.add(o.name);
    if (o.name === 'SIZE' && allowed.includes('SIZE')) out.size = size(o);
    else if (o.name === 'REPLICATION FACTOR' && allowed.includes('REPLICATION FACTOR')) out.replicationFactor = replicationFactor(o);
    else if (o.name === 'MANAGED' && allowed.includes('MANAGED')) out.managed = bool(o);
    else if (o.name === 'SCHEDULE') {
      if ((o.value ?? '').toUpperCase() !== 'MANUAL') throw unsupported(`SCHEDULE = ${o.value ?? ''}`);
    } else if (!IGNORED.has(o.name)) throw new SqlError(SqlState.syntaxError, `unexpected cluster option ${o.name}`);
  }
  return out;
}

export function planClusterStatement(s: ClusterStatement): Plan {
  switch (s.kind) {
    case 'createCluster': {
      const o = clusterOptions(s.options, ['SIZE', 'REPLICATION FACTOR', 'MANAGED']);
      const managed = o.managed ?? s.replicas === undefined;
      let config: ClusterConfig;
      if (managed) {
        if (s.replicas !== undefined) throw new SqlError(SqlState.invalidParameterValue, 'REPLICAS not supported for managed clusters');
        if (o.size === undefined) throw new SqlError(SqlState.invalidParameterValue, 'SIZE option must be specified for a managed cluster');
        config = { managed: true, size: o.size, replicationFactor: o.replicationFactor ?? 1 };
      } else {
        if (o.size !== undefined || o.replicationFactor !== undefined) {
          throw new SqlError(SqlState.invalidParameterValue, `${o.size !== undefined ? 'SIZE' : 'REPLICATION FACTOR'} not supported for unmanaged clusters`);
        }
        const names = new Set<string>();
        const replicas = (s.replicas ?? []).map((r) => {
          if (names.has(r.name)) throw new SqlError(SqlState.duplicateObject, `cannot create multiple replicas named '${r.name}' on cluster '${s.name}'`);
          names.add(r.name);
          const ro = clusterOptions(r.options, ['SIZE']);
          if (ro.size === undefined) throw new SqlError(SqlState.invalidParameterValue, 'SIZE option must be specified');
          return { name: r.name, size: ro.size };
        });
        config = { managed: false, replicas };
      }
      return { kind: 'createCluster', name: s.name, config };
    }
    case 'createClusterReplica': {
      const o = clusterOptions(s.options, ['SIZE']);
      if (o.size === undefined) throw new SqlError(SqlState.invalidParameterValue, 'SIZE option must be specified');
      return { kind: 'createClusterReplica', cluster: s.cluster, replica: s.replica, size: o.size };
    }
    case 'dropCluster': return { kind: 'dropClusters', names: s.names, ifExists: s.ifExists, cascade: s.cascade };
    case 'dropClusterReplica': return { kind: 'dropClusterReplicas', names: s.names, ifExists: s.ifExists };
    case 'alterCluster': {
      let action: AlterClusterAction;
      switch (s.action.kind) {
        case 'set': {
          const o = clusterOptions(s.action.options, ['SIZE', 'REPLICATION FACTOR', 'MANAGED']);
          action = { kind: 'set', ...o };
          break;
        }
        case 'reset': {
          let rf = false;
          for (const name of s.action.options) {
            if (name === 'REPLICATION FACTOR') rf = true;
            else if (!IGNORED.has(name) && name !== 'SCHEDULE') throw unsupported(`ALTER CLUSTER ... RESET (${name})`);
          }
          action = { kind: 'reset', replicationFactor: rf };
          break;
        }
        case 'rename': action = { kind: 'rename', to: s.action.to }; break;
        case 'swap': action = { kind: 'swap', with: s.action.with }; break;
      }
      return { kind: 'alterCluster', name: s.name, ifExists: s.ifExists, action };
    }
    case 'alterClusterReplica': return { kind: 'alterClusterReplica', cluster: s.cluster, replica: s.replica, ifExists: s.ifExists, to: s.to };
  }
}
