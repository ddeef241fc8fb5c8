/**
 * Parses sqllogictest files in Materialize's dialect into records (ast.ts). Follows Materialize's
 * parser (src/sqllogictest/src/parser.rs) in what it accepts and how it splits expected output,
 * with two deliberate differences: a `query` whose SQL ends at a blank line without a `----` line
 * is accepted with empty expected output (so `--rewrite` can fill it in), and `skipif`/`onlyif`
 * are kept as conditions on the next record instead of being decided here (the runner knows which
 * database it talks to).
 */
import type {
  ColumnType,
  Condition,
  ExpectedError,
  ExpectedValues,
  Mode,
  QueryOutput,
  SltRecord,
  Sort,
  Span,
  StatementExpectation,
} from './ast.ts';

/** A record without the fields every record gets from its position in the file. */
type Body<K extends SltRecord['kind']> = K extends unknown ? Omit<Extract<SltRecord, { kind: K }>, 'location' | 'conditions'> : never;

export class SltParseError extends Error {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.file = file;
    this.line = line;
  }
}

interface Line {
  /** Text without the line terminator (and without a trailing `\r`). */
  readonly text: string;
  readonly start: number;
  /** Offset just past the text (before `\r\n` / `\n`). */
  readonly end: number;
}

function splitLines(input: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start <= input.length) {
    const nl = input.indexOf('\n', start);
    const lineEnd = nl === -1 ? input.length : nl;
    const end = lineEnd > start && input[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd;
    if (nl === -1 && start === input.length) break; // no phantom line after a final newline
    lines.push({ text: input.slice(start, end), start, end });
    if (nl === -1) break;
    start = nl + 1;
  }
  return lines;
}

const ERROR_PREFIX = /(statement|query) error( pgcode ([a-zA-Z0-9]{5}))? ?/;
const HASH_LINE = /(\S+) values hashing to (\S+)/;

/** Replaces the visible stand-ins for a space (and a newline) used in cockroach-mode output. */
function unescapeCockroach(value: string): string {
  return value.replaceAll('␠', ' ').replaceAll('⏎', '\n');
}

/** Splits a cockroach-mode output line into columns, as Materialize's `split_cols`. */
export function splitColumns(line: string, columnCount: number): string[] {
  if (columnCount === 1) return [line.trim()];
  return line.split(/\s+/).filter((s) => s !== '');
}

/** Compares strings by code point (= UTF-8 byte order, as Rust's `String` ordering). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Lexicographic comparison of rows of strings (Rust's `Vec<String>` ordering). */
export function compareRows(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareStrings(a[i] ?? '', b[i] ?? '');
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

class Parser {
  private readonly lines: Line[];
  private pos = 0;
  private mode: Mode = 'standard';

  private readonly file: string;
  private readonly input: string;

  constructor(file: string, input: string) {
    this.file = file;
    this.input = input;
    this.lines = splitLines(input);
  }

  parse(): SltRecord[] {
    const records: SltRecord[] = [];
    let conditions: Condition[] = [];
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos]!;
      const lineNo = this.pos + 1;
      // As Materialize: the record's first line ends at the first `#`.
      const hash = line.text.indexOf('#');
      const head = (hash === -1 ? line.text : line.text.slice(0, hash)).trim();
      this.pos++;
      if (head === '') continue;
      const words = head.split(/\s+/);
      const base = { location: { file: this.file, line: lineNo }, conditions };
      const word = words[0]!;
      switch (word) {
        case 'statement':
          records.push({ ...base, ...this.statement(words, head, lineNo) });
          break;
        case 'query':
          records.push({ ...base, ...this.query(words, head, lineNo) });
          break;
        case 'simple':
          records.push({ ...base, ...this.simple(words, lineNo) });
          break;
        case 'hash-threshold': {
          const threshold = Number(words[1]);
          if (!Number.isInteger(threshold) || threshold < 0) this.fail(lineNo, `invalid threshold in: ${head}`);
          records.push({ ...base, kind: 'hashThreshold', threshold });
          break;
        }
        case 'skipif':
        case 'onlyif': {
          const db = words[1];
          if (db === undefined) this.fail(lineNo, `${word} without a database name`);
          conditions = [...conditions, { kind: word, db }];
          continue; // conditions carry over to the next record
        }
        case 'halt':
          records.push({ ...base, kind: 'halt' });
          break;
        case 'subtest':
        case 'user':
        case 'kv-batch-size':
          // Cockroach-specific directives Materialize ignores too.
          break;
        case 'mode': {
          const m = words[1];
          if (m === 'cockroach') this.mode = 'cockroach';
          else if (m === 'standard' || m === 'sqlite') this.mode = 'standard';
          else this.fail(lineNo, `unknown parse mode: ${m ?? '(none)'}`);
          break;
        }
        case 'copy': {
          const table = words[1];
          const tsvPath = words[2];
          if (table === undefined || tsvPath === undefined) this.fail(lineNo, 'copy needs a table name and a TSV path');
          records.push({ ...base, kind: 'copy', table, tsvPath });
          break;
        }
        case 'reset-server':
          records.push({ ...base, kind: 'resetServer' });
          break;
        default:
          this.fail(lineNo, `unexpected start of record: ${word}`);
      }
      conditions = [];
    }
    return records;
  }

  private fail(line: number, message: string): never {
    throw new SltParseError(this.file, line, message);
  }

  private expectedError(head: string, lineNo: number): ExpectedError {
    const m = ERROR_PREFIX.exec(head);
    if (m === null) this.fail(lineNo, `malformed error expectation: ${head}`);
    const line = this.lines[lineNo - 1]!;
    // `head` is trimmed and comment-free; find the pattern's position in the raw line.
    const headStart = line.start + line.text.indexOf(head);
    const patternStart = headStart + m.index + m[0].length;
    const pattern = head.slice(m.index + m[0].length);
    return { pattern, span: { start: patternStart, end: patternStart + pattern.length }, pgcode: m[3] };
  }

  /** Lines up to (not including) the next empty line or the end of the file. */
  private linesUntilBlank(): Line[] {
    const out: Line[] = [];
    while (this.pos < this.lines.length && this.lines[this.pos]!.text !== '') out.push(this.lines[this.pos++]!);
    return out;
  }

  private sqlOf(lines: readonly Line[], lineNo: number): { sql: string; sqlSpan: Span } {
    const first = lines[0];
    const last = lines[lines.length - 1];
    if (first === undefined || last === undefined) this.fail(lineNo, 'record without SQL');
    const sqlSpan = { start: first.start, end: last.end };
    return { sql: this.input.slice(sqlSpan.start, sqlSpan.end), sqlSpan };
  }

  private statement(words: string[], head: string, lineNo: number): Body<'statement'> {
    const disposition = words[1];
    let expect: StatementExpectation;
    if (disposition === 'ok' || disposition === 'OK') {
      expect = { kind: 'ok' as const };
    } else if (disposition === 'count') {
      const count = Number(words[2]);
      if (words[2] === undefined || !Number.isInteger(count) || count < 0) this.fail(lineNo, `invalid count in: ${head}`);
      const line = this.lines[lineNo - 1]!;
      const at = line.text.indexOf(words[2], line.text.indexOf('count') + 5);
      expect = { kind: 'count' as const, count, span: { start: line.start + at, end: line.start + at + words[2].length } };
    } else if (disposition === 'error') {
      expect = { kind: 'error' as const, error: this.expectedError(head, lineNo) };
    } else {
      this.fail(lineNo, `invalid statement disposition: ${head}`);
    }
    const { sql, sqlSpan } = this.sqlOf(this.linesUntilBlank(), lineNo);
    return { kind: 'statement', sql, sqlSpan, expect };
  }

  private query(words: string[], head: string, lineNo: number): Body<'query' | 'queryError'> {
    if (words[1] === 'error') {
      const error = this.expectedError(head, lineNo);
      const { sql, sqlSpan } = this.sqlOf(this.linesUntilBlank(), lineNo);
      return { kind: 'queryError', sql, sqlSpan, error };
    }
    const types = parseTypes(words[1] ?? '', (m) => this.fail(lineNo, m));
    let sort: Sort = 'nosort';
    let colnames = false;
    let multiline = false;
    const options = words[2];
    if (options !== undefined) {
      for (const option of options.split(',')) {
        if (option === 'nosort' || option === 'rowsort' || option === 'valuesort') sort = option;
        else if (option === 'colnames') colnames = true;
        else if (option === 'multiline') multiline = true;
        else if (option.startsWith('partialsort')) {
          // As Materialize: partialsort(...) is approximated by rowsort; its arguments contain commas.
          sort = 'rowsort';
          break;
        } else this.fail(lineNo, `unrecognized option ${JSON.stringify(option)} in ${JSON.stringify(options)}`);
      }
    }
    if (multiline && (colnames || sort !== 'nosort')) this.fail(lineNo, 'multiline option is incompatible with all other options');
    const label = words[3];

    const sqlLines: Line[] = [];
    let hasSeparator = false;
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos]!;
      if (line.text.startsWith('----')) {
        hasSeparator = true;
        this.pos++;
        break;
      }
      if (line.text === '') break;
      sqlLines.push(line);
      this.pos++;
    }
    const { sql, sqlSpan } = this.sqlOf(sqlLines, lineNo);
    const { lines: outLines, span } = hasSeparator ? this.outputBlock(multiline, lineNo) : { lines: [], span: { start: sqlSpan.end, end: sqlSpan.end } };

    let columnNames: string[] | undefined;
    let valueLines = outLines;
    if (colnames && !multiline && valueLines.length > 0) {
      columnNames = valueLines[0]!
        .split(' ')
        .filter((s) => s !== '')
        .map((s) => s.replaceAll('␠', ' '));
      valueLines = valueLines.slice(1);
    }
    const expected = this.expectedValues(valueLines, multiline, types, sort, lineNo);
    const output: QueryOutput = { types, sort, label, colnames, columnNames, multiline, mode: this.mode, expected, span, hasSeparator };
    return { kind: 'query', sql, sqlSpan, output };
  }

  /** The expected-output lines after `----`: up to a blank line, or up to an `EOF` line when multiline. */
  private outputBlock(multiline: boolean, lineNo: number): { lines: string[]; span: Span } {
    const startLine = this.lines[this.pos];
    const start = startLine?.start ?? this.input.length;
    const lines: string[] = [];
    let end = start;
    if (multiline) {
      while (true) {
        const line = this.lines[this.pos];
        if (line === undefined) this.fail(lineNo, 'multiline output without a terminating EOF line');
        this.pos++;
        if (line.text === 'EOF') break;
        lines.push(line.text);
        end = line.end;
      }
      return { lines: [lines.join('\n')], span: { start, end: Math.max(start, end) } };
    }
    for (const line of this.linesUntilBlank()) {
      lines.push(line.text);
      end = line.end;
    }
    return { lines, span: { start, end } };
  }

  private expectedValues(lines: string[], multiline: boolean, types: readonly ColumnType[], sort: Sort, lineNo: number): ExpectedValues {
    const joined = lines.join('\n');
    const hashed = multiline ? null : HASH_LINE.exec(joined);
    if (hashed !== null) {
      const count = Number(hashed[1]);
      if (!Number.isInteger(count)) this.fail(lineNo, `invalid value count in: ${hashed[0]}`);
      return { kind: 'hashed', count, md5: hashed[2]! };
    }
    if (multiline) return { kind: 'values', values: lines };
    if (this.mode === 'standard') return { kind: 'values', values: lines };
    const rows: string[][] = [];
    for (const line of lines) {
      const cols = splitColumns(line, types.length);
      // Materialize rejects any column-count mismatch in sorted output. Extra columns are allowed
      // here: values containing spaces are split on both sides when sorting (format.ts formatRow),
      // so they still compare equal, and --rewrite can write them.
      if (sort !== 'nosort' && cols.length < types.length) {
        this.fail(lineNo, `col len (${cols.length}) did not match declared col len (${types.length})`);
      }
      rows.push(cols.map(unescapeCockroach));
    }
    if (sort === 'rowsort') rows.sort(compareRows);
    const values = rows.flat();
    if (sort === 'valuesort') values.sort(compareStrings);
    return { kind: 'values', values };
  }

  private simple(words: string[], lineNo: number): Body<'simple'> {
    let conn: string | undefined;
    let user: string | undefined;
    let multiline = false;
    let rowsort = false;
    const options = words[1];
    if (options !== undefined) {
      for (const option of options.split(',')) {
        if (option.startsWith('conn=')) conn = option.slice('conn='.length);
        else if (option.startsWith('user=')) user = option.slice('user='.length);
        else if (option === 'multiline') multiline = true;
        else if (option === 'rowsort') rowsort = true;
        else this.fail(lineNo, `unrecognized option ${JSON.stringify(option)} in ${JSON.stringify(options)}`);
      }
    }
    if (user !== undefined && conn === undefined) this.fail(lineNo, 'cannot set user without also setting conn');
    const sqlLines: Line[] = [];
    let hasSeparator = false;
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos]!;
      if (line.text.startsWith('----')) {
        hasSeparator = true;
        this.pos++;
        break;
      }
      if (line.text === '') break;
      sqlLines.push(line);
      this.pos++;
    }
    const { sql, sqlSpan } = this.sqlOf(sqlLines, lineNo);
    if (!hasSeparator) return { kind: 'simple', sql, sqlSpan, conn, user, multiline, rowsort, expected: [], span: { start: sqlSpan.end, end: sqlSpan.end }, hasSeparator };
    const block = this.outputBlock(multiline, lineNo);
    let expected = block.lines;
    let span = block.span;
    if (multiline) {
      // The COMPLETE lines follow the EOF line, up to a blank line.
      const rest = this.linesUntilBlank();
      expected = [...expected, ...rest.map((l) => l.text)];
      const last = rest[rest.length - 1];
      if (last !== undefined) span = { start: span.start, end: last.end };
    } else {
      // As Materialize: leading blank space of the block is not part of the output.
      while (expected.length > 0 && expected[0]!.trim() === '') expected = expected.slice(1);
    }
    return { kind: 'simple', sql, sqlSpan, conn, user, multiline, rowsort, expected, span, hasSeparator };
  }
}

function parseTypes(word: string, fail: (message: string) => never): ColumnType[] {
  const types: ColumnType[] = [];
  for (const ch of word) {
    if (ch === 'T' || ch === 'I' || ch === 'R' || ch === 'B' || ch === 'O') types.push(ch);
    else fail(`unexpected type char ${ch} in: ${word}`);
  }
  return types;
}

/** Parses a whole file. Throws SltParseError with the file and line on malformed input. */
export function parseSlt(file: string, input: string): SltRecord[] {
  return new Parser(file, input).parse();
}
