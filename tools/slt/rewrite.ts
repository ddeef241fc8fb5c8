/**
 * `--rewrite`: turns observed results into replacements of exactly the parts of a file that hold
 * expected results (output blocks, counts, error patterns), so comments, spacing and everything
 * else stay as written.
 */
import type { ExpectedError, QueryOutput, SltRecord, Span } from './ast.ts';
import { hashValues } from './format.ts';

export interface Edit {
  readonly span: Span;
  readonly text: string;
}

/** Applies non-overlapping edits (in any order) to `input`. */
export function applyEdits(input: string, edits: readonly Edit[]): string {
  const sorted = [...edits].sort((a, b) => a.span.start - b.span.start);
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    if (e.span.start < pos) continue; // overlapping: keep the first
    out += input.slice(pos, e.span.start) + e.text;
    pos = e.span.end;
  }
  return out + input.slice(pos);
}

/**
 * Escapes a message so that it matches itself as a regex. `#` is escaped too: it would start a
 * comment on the record's first line.
 */
export function escapeRegex(message: string): string {
  return message.replace(/[\\.+*?()|[\]{}^$#]/g, (c) => (c === '#' ? '\\x23' : `\\${c}`));
}

/** Replaces an expected-error pattern with the (escaped, first line of the) actual message. */
export function errorEdit(expected: ExpectedError, message: string): Edit {
  const text = escapeRegex(message.split('\n')[0] ?? '');
  // An empty pattern sits right after `error`: it needs a separating space.
  const needsSpace = expected.span.start === expected.span.end && expected.pattern === '';
  return { span: expected.span, text: needsSpace ? ` ${text}` : text };
}

/** Places `text` as the expected-output block of a record (adding `----` when there is none). */
function blockEdit(input: string, span: Span, hasSeparator: boolean, text: string): Edit {
  if (!hasSeparator) return { span, text: text === '' ? '\n----' : `\n----\n${text}` };
  if (span.start === span.end) {
    if (span.start >= input.length) return { span, text: `${input.endsWith('\n') ? '' : '\n'}${text}\n` };
    return { span, text: `${text}\n` }; // the block was empty: keep the blank (or EOF) line after it
  }
  if (text === '') {
    // Remove the old block's lines entirely, so no stray blank line is left behind.
    const end = input[span.end] === '\n' ? span.end + 1 : span.end;
    return { span: { start: span.start, end }, text: '' };
  }
  return { span, text };
}

/** The expected-output block of a query record for the given actual results. */
export function queryOutputEdit(
  input: string,
  output: QueryOutput,
  columnNames: readonly string[] | undefined,
  values: readonly string[],
  rows: readonly (readonly string[])[],
  hashThreshold: number,
): Edit {
  const lines: string[] = [];
  if (columnNames !== undefined) lines.push(columnNames.map((n) => n.replaceAll(' ', '␠')).join(' '));
  const hashed = output.expected.kind === 'hashed' || (hashThreshold > 0 && values.length > hashThreshold);
  if (hashed) {
    lines.push(`${values.length} values hashing to ${hashValues(values)}`);
  } else if (output.multiline) {
    lines.push(values.join('\n'));
  } else if (output.mode === 'standard') {
    lines.push(...values);
  } else {
    // Unsorted multi-column rows keep spaces inside values only when written as ␠ (see parser).
    const escapeSpaces = output.sort === 'nosort' && output.types.length > 1;
    for (const row of rows) {
      const cells = row.map((v) => {
        const s = v.replaceAll('\n', '⏎');
        return escapeSpaces ? s.replaceAll(' ', '␠') : s;
      });
      lines.push(cells.join('  '));
    }
  }
  return blockEdit(input, output.span, output.hasSeparator, lines.join('\n'));
}

/** The expected-output block of a `simple` record. */
export function simpleOutputEdit(input: string, record: SltRecord & { kind: 'simple' }, actual: readonly string[]): Edit {
  let text: string;
  if (record.multiline) {
    const complete = actual.filter((l) => l.startsWith('COMPLETE '));
    const rows = actual.filter((l) => !l.startsWith('COMPLETE '));
    text = [...rows, 'EOF', ...complete].join('\n');
  } else {
    text = actual.join('\n');
  }
  return blockEdit(input, record.span, record.hasSeparator, text);
}
