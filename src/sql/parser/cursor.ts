/**
 * A cursor over the tokens of one statement, for the hand-written Materialize-statement parser.
 * Offsets of tokens are relative to the statement text; `base` is the statement's offset in the
 * whole query string, so every syntax error carries PostgreSQL's 1-based position.
 */
import { SqlError } from '../../util/index.ts';
import type { MzOption } from './ast.ts';
import { identOf, stringOf, syntaxErrorAt, type Tok } from './tokens.ts';

export class Cursor {
  i = 0;
  readonly sql: string;
  readonly base: number;
  readonly toks: readonly Tok[];

  constructor(sql: string, base: number, toks: readonly Tok[]) {
    this.sql = sql;
    this.base = base;
    this.toks = toks;
  }

  peek(k = 0): Tok | undefined {
    return this.toks[this.i + k];
  }

  atEnd(): boolean {
    return this.i >= this.toks.length;
  }

  /** True iff the token k ahead is the unquoted word `word` (upper case). */
  isKw(word: string, k = 0): boolean {
    const t = this.peek(k);
    return t !== undefined && t.upper === word && (t.name === 'IDENT' ? !t.text.startsWith('"') : t.isKeyword);
  }

  isKws(...words: string[]): boolean {
    return words.every((w, k) => this.isKw(w, k));
  }

  eatKw(word: string): boolean {
    if (!this.isKw(word)) return false;
    this.i++;
    return true;
  }

  eatKws(...words: string[]): boolean {
    if (!this.isKws(...words)) return false;
    this.i += words.length;
    return true;
  }

  expectKw(word: string): void {
    if (!this.eatKw(word)) throw this.error();
  }

  isPunct(p: string, k = 0): boolean {
    const t = this.peek(k);
    return t !== undefined && t.text === p && t.name !== 'SCONST' && t.name !== 'IDENT';
  }

  eatPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.i++;
    return true;
  }

  expectPunct(p: string): void {
    if (!this.eatPunct(p)) throw this.error();
  }

  /** A syntax error at the current token (or at end of input). */
  error(): SqlError {
    return syntaxErrorAt(this.sql, this.peek(), this.base);
  }

  ident(): string {
    const t = this.peek();
    if (t === undefined || !(t.name === 'IDENT' || (t.isKeyword && /^[A-Z_][A-Z0-9_$]*$/.test(t.upper)))) throw this.error();
    this.i++;
    return identOf(t);
  }

  objectName(): string[] {
    const parts = [this.ident()];
    while (this.eatPunct('.')) parts.push(this.ident());
    return parts;
  }

  identList(): string[] {
    this.expectPunct('(');
    const out = [this.ident()];
    while (this.eatPunct(',')) out.push(this.ident());
    this.expectPunct(')');
    return out;
  }

  stringLit(): string {
    const t = this.peek();
    if (t === undefined || t.name !== 'SCONST') throw this.error();
    this.i++;
    return stringOf(t);
  }

  /** Index of the ')' matching the '(' at the current position. */
  matchingParen(): number {
    let depth = 0;
    for (let j = this.i; j < this.toks.length; j++) {
      const t = this.toks[j]!;
      if (t.text === '(' || t.text === '[') depth++;
      else if (t.text === ')' || t.text === ']') {
        depth--;
        if (depth === 0) return j;
      }
    }
    throw syntaxErrorAt(this.sql, undefined, this.base);
  }

  /** The first index >= i at paren depth 0 where `stop` holds, or toks.length. */
  findTopLevel(stop: (c: Cursor, k: number) => boolean): number {
    let depth = 0;
    for (let j = this.i; j < this.toks.length; j++) {
      const t = this.toks[j]!;
      if (depth === 0 && stop(this, j - this.i)) return j;
      if (t.text === '(' || t.text === '[') depth++;
      else if (t.text === ')' || t.text === ']') depth--;
    }
    return this.toks.length;
  }

  /** Statement text from token `from` up to (not including) token `to`; with its offset. */
  textBetween(from: number, to: number): { text: string; start: number } {
    const a = this.toks[from];
    if (a === undefined) return { text: '', start: this.sql.length };
    const end = to < this.toks.length ? this.toks[to]!.start : this.sql.length;
    return { text: this.sql.slice(a.start, end).trimEnd(), start: a.start };
  }

  /** `( name [=] value, ... )` option lists; names may have several words (RETAIN HISTORY FOR ...). */
  options(): MzOption[] {
    this.expectPunct('(');
    const out: MzOption[] = [];
    if (this.eatPunct(')')) return out;
    for (;;) {
      const words: string[] = [];
      while (!this.atEnd() && !this.isPunct('=') && !this.isPunct(',') && !this.isPunct(')') && this.peek()!.name !== 'SCONST' && this.peek()!.name !== 'ICONST' && this.peek()!.name !== 'FCONST') {
        if (words.length > 0 && this.isPunct('(')) break;
        words.push(this.ident().toUpperCase());
      }
      if (words.length === 0) throw this.error();
      this.eatPunct('=');
      let value: string | undefined;
      if (!this.isPunct(',') && !this.isPunct(')')) {
        const end = this.findTopLevel((c, k) => c.isPunct(',', k) || c.isPunct(')', k));
        const toks = this.toks.slice(this.i, end);
        value = toks.length === 1 && toks[0]!.name === 'SCONST' ? stringOf(toks[0]!) : toks.length === 1 && toks[0]!.name === 'IDENT' ? identOf(toks[0]!) : this.textBetween(this.i, end).text;
        this.i = end;
      }
      out.push(value === undefined ? { name: words.join(' ') } : { name: words.join(' '), value });
      if (this.eatPunct(')')) return out;
      this.expectPunct(',');
    }
  }
}
