/** The part of pg-cursor's API the driver tests use (the package ships no types). */
declare module 'pg-cursor' {
  import type { Submittable } from 'pg';
  export default class Cursor<R = Record<string, unknown>> implements Submittable {
    constructor(text: string, values?: readonly unknown[], config?: { rowMode?: 'array'; types?: unknown });
    submit(connection: unknown): void;
    read(rows: number): Promise<R[]>;
    close(): Promise<void>;
  }
}
