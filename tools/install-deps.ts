/**
 * Installs, from Debian's packages, what the tests use outside npm when it is missing: PostgreSQL (a real
 * server for CDC and differential tests), a JDK plus pgjdbc (libpostgresql-jdbc-java) and psycopg2
 * (python3-psycopg2) for test/drivers. One `apt-get update` and one `apt-get install` for everything missing;
 * as root directly, otherwise through `sudo -n` when that works without a password. When nothing can be
 * installed it says so, and the tests that need a package skip with the reason (they never pass silently).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

interface Need {
  readonly what: string;
  readonly packages: readonly string[];
  present(): boolean;
}

const onPath = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

function hasPostgres(): boolean {
  const dirs = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').map((v) => `/usr/lib/postgresql/${v}/bin`) : [];
  return dirs.some((d) => existsSync(join(d, 'initdb'))) && onPath('psql');
}

export const NEEDS: readonly Need[] = [
  { what: 'PostgreSQL', packages: ['postgresql', 'postgresql-client'], present: hasPostgres },
  // `java File.java` (single-file source launch) needs the compiler module, so a JRE is not enough.
  { what: 'a JDK', packages: ['default-jdk-headless'], present: () => onPath('java') && onPath('javac') },
  { what: 'pgjdbc', packages: ['libpostgresql-jdbc-java'], present: () => existsSync('/usr/share/java/postgresql.jar') },
  // Debian's psycopg2 belongs to the system Python, whichever python3 comes first on PATH.
  { what: 'psycopg2', packages: ['python3-psycopg2'], present: () => existsSync('/usr/bin/python3') && spawnSync('/usr/bin/python3', ['-c', 'import psycopg2'], { stdio: 'ignore' }).status === 0 },
];

/** Installs every missing package; returns what is still missing afterwards. */
export function ensureTestPackages(log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): string[] {
  const missing = NEEDS.filter((n) => !n.present());
  if (missing.length === 0) return [];
  const packages = missing.flatMap((n) => n.packages);
  const names = missing.map((n) => n.what).join(', ');
  const root = process.getuid?.() === 0;
  const sudo = !root && onPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  if (!root && !sudo) {
    log(`Missing ${names}: install Debian's ${packages.join(' ')} (needs root); the tests that use them will be skipped or fail.`);
    return missing.map((n) => n.what);
  }
  log(`Installing ${names} for the tests (Debian packages: ${packages.join(' ')})...`);
  const started = Date.now();
  const prefix = sudo ? 'sudo -n env ' : '';
  const script = `${prefix}apt-get update -qq && ${prefix}DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${packages.join(' ')} >/dev/null`;
  const r = spawnSync('sh', ['-c', script], { stdio: 'inherit' });
  const still = NEEDS.filter((n) => !n.present()).map((n) => n.what);
  log(`apt-get ${r.status === 0 ? 'finished' : `failed (status ${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s${still.length > 0 ? `; still missing: ${still.join(', ')}` : ''}.`);
  return still;
}

if (import.meta.url === `file://${process.argv[1]}`) ensureTestPackages();
