/**
 * The process logger (pino). JSON lines by default; main.ts switches to pino-pretty when stdout is a
 * terminal. Layers take a child logger rather than importing a global, so tests can silence them.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  const level = options.level ?? 'info';
  if (options.pretty) {
    return pino({ level, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino({ level });
}

/** A logger that drops everything: the default in unit tests. */
export const silentLogger: Logger = pino({ level: 'silent' });
