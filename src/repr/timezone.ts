/**
 * Named time zones (IANA, through the JavaScript runtime's Intl data) and fixed UTC offsets, for
 * `AT TIME ZONE`, timezone() and timestamptz input with a zone name. Timestamps are microseconds
 * since the epoch, UTC (datum.ts); a zone only converts between UTC and local wall-clock time.
 */
import { SqlError, SqlState } from '../util/index.ts';
import { daysFromCivil } from './text.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat | undefined {
  let f = formatters.get(zone);
  if (f !== undefined) return f;
  try {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short',
    });
  } catch {
    return undefined;
  }
  if (formatters.size > 200) formatters.clear();
  formatters.set(zone, f);
  return f;
}

/** A fixed offset in seconds east of UTC for `UTC`, `Z`, `GMT`, `+05:30`-style ISO offsets; undefined otherwise. */
function fixedOffset(zone: string): number | undefined {
  const z = zone.trim().toUpperCase();
  if (z === 'UTC' || z === 'Z' || z === 'GMT' || z === 'UCT' || z === 'ZULU' || z === 'ETC/UTC' || z === 'ETC/GMT') return 0;
  const m = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(z);
  if (m === null) return undefined;
  const secs = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60;
  return m[1] === '-' ? -secs : secs;
}

/** Checks that `zone` names a time zone; throws 22023 as PostgreSQL does otherwise. */
export function checkZone(zone: string): void {
  if (fixedOffset(zone) === undefined && formatter(zone) === undefined) {
    throw new SqlError(SqlState.invalidParameterValue, `time zone "${zone}" not recognized`);
  }
}

/** The zone's offset from UTC, in seconds east, at the UTC instant `utcMicros`. */
export function zoneOffsetSeconds(zone: string, utcMicros: bigint): number {
  const fixed = fixedOffset(zone);
  if (fixed !== undefined) return fixed;
  const f = formatter(zone);
  if (f === undefined) throw new SqlError(SqlState.invalidParameterValue, `time zone "${zone}" not recognized`);
  const ms = Number(utcMicros / 1000n);
  // Outside Date's range, use the offset at the nearest representable instant.
  const clamped = Math.max(-8.64e15, Math.min(8.64e15, ms - (ms % 1000)));
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(clamped))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era === 'BC') year = 1 - year;
  const local = daysFromCivil(year, Number(parts.month), Number(parts.day)) * 86_400_000
    + ((Number(parts.hour) % 24) * 3600 + Number(parts.minute) * 60 + Number(parts.second)) * 1000;
  return Math.round((local - clamped) / 1000);
}

/** UTC instant of a local wall-clock time in `zone` (for a gap or overlap, the offset in force before it, as PostgreSQL). */
export function localToUtc(zone: string, localMicros: bigint): bigint {
  const first = zoneOffsetSeconds(zone, localMicros);
  let utc = localMicros - BigInt(first) * 1_000_000n;
  const second = zoneOffsetSeconds(zone, utc);
  if (second !== first) {
    const alt = localMicros - BigInt(second) * 1_000_000n;
    // Keep the candidate whose offset is consistent with itself; prefer the earlier offset otherwise.
    if (zoneOffsetSeconds(zone, alt) === second) utc = alt;
  }
  return utc;
}

/** Local wall-clock time in `zone` of the UTC instant `utcMicros`. */
export function utcToLocal(zone: string, utcMicros: bigint): bigint {
  return utcMicros + BigInt(zoneOffsetSeconds(zone, utcMicros)) * 1_000_000n;
}
