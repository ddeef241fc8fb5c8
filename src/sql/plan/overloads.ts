/**
 * The operator and function overloads the binder knows: SQL name and argument types → registry function
 * and result type. Resolution among overloads follows PostgreSQL's rules (coerce.ts `resolveOverload`).
 */
import { type ScalarType, type ScalarTypeName, T, arrayOf, scalar } from '../../repr/index.ts';

export interface Overload {
  readonly args: readonly ScalarType[];
  readonly ret: ScalarType;
  /** Registry function name. */
  readonly func: string;
  /** The implementation takes the arguments in reverse order (commuted operators). */
  readonly swap?: boolean;
  /** Variadic: the last arg type repeats. */
  readonly variadic?: boolean;
}

const s = scalar;
const ov = (args: readonly ScalarTypeName[], ret: ScalarTypeName, func: string, swap = false): Overload =>
  (swap ? { args: args.map(s), ret: s(ret), func, swap } : { args: args.map(s), ret: s(ret), func });

export const NUMERIC_TYPES: readonly ScalarTypeName[] = ['int2', 'int4', 'int8', 'numeric', 'float4', 'float8'];
const INT_TYPES: readonly ScalarTypeName[] = ['int2', 'int4', 'int8'];
/** Types with the six comparison operators (generic registry functions over compareDatum). */
export const COMPARABLE_TYPES: readonly ScalarTypeName[] = [
  'bool', 'int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'text', 'bytea', 'date', 'time', 'timestamp',
  'timestamptz', 'interval', 'uuid', 'oid', 'mz_timestamp', 'jsonb', 'char',
];

const binary = new Map<string, Overload[]>();
const unary = new Map<string, Overload[]>();
const funcs = new Map<string, Overload[]>();
const push = (m: Map<string, Overload[]>, name: string, o: Overload): void => {
  const l = m.get(name);
  if (l === undefined) m.set(name, [o]);
  else l.push(o);
};

const ARITH: readonly (readonly [string, string])[] = [['+', 'add'], ['-', 'sub'], ['*', 'mul'], ['/', 'div']];
for (const t of NUMERIC_TYPES) {
  for (const [op, f] of ARITH) push(binary, op, ov([t, t], t, `${f}_${t}`));
  if (t !== 'float4' && t !== 'float8') push(binary, '%', ov([t, t], t, `mod_${t}`));
  push(unary, '-', ov([t], t, `neg_${t}`));
  push(unary, '+', ov([t], t, 'identity'));
}
// float48 / float84 operators exist in PostgreSQL and steer mixed float4/float8 arithmetic to float8.
for (const [op, f] of ARITH) {
  push(binary, op, ov(['float4', 'float8'], 'float8', `${f}_float8`));
  push(binary, op, ov(['float8', 'float4'], 'float8', `${f}_float8`));
}
for (const t of INT_TYPES) {
  for (const [op, f] of [['&', 'bitand'], ['|', 'bitor'], ['#', 'bitxor']] as const) push(binary, op, ov([t, t], t, `${f}_${t}`));
  push(binary, '<<', ov([t, 'int4'], t, `shl_${t}`));
  push(binary, '>>', ov([t, 'int4'], t, `shr_${t}`));
  push(unary, '~', ov([t], t, `bitnot_${t}`));
}
for (const [op, f] of [['=', 'eq'], ['<>', 'neq'], ['<', 'lt'], ['<=', 'lte'], ['>', 'gt'], ['>=', 'gte']] as const) {
  // jsonb datums are canonical text; jsonb compares by its own btree order (jsonb_lt, ...).
  for (const t of COMPARABLE_TYPES) push(binary, op, ov([t, t], 'bool', t === 'jsonb' ? `jsonb_${f}` : f));
  push(binary, op, ov(['float4', 'float8'], 'bool', f));
  push(binary, op, ov(['float8', 'float4'], 'bool', f));
  // character(n) compares without its trailing spaces.
  push(binary, op, ov(['bpchar', 'bpchar'], 'bool', `${f}_bpchar`));
}

// Array equality (psql compares pg_policy.polroles = '{0}') and concatenation (psql's reloptions || ...).
for (const t of ['oid', 'int2', 'int4', 'int8', 'text'] as const) {
  for (const [op, f] of [['=', 'eq'], ['<>', 'neq']] as const) push(binary, op, { args: [arrayOf(s(t)), arrayOf(s(t))], ret: s('bool'), func: f });
  push(binary, '||', { args: [arrayOf(s(t)), arrayOf(s(t))], ret: arrayOf(s(t)), func: 'array_cat' });
}

// Dates, times, intervals.
push(binary, '+', ov(['date', 'int4'], 'date', 'add_date_int4'));
push(binary, '+', ov(['int4', 'date'], 'date', 'add_date_int4', true));
push(binary, '-', ov(['date', 'int4'], 'date', 'sub_date_int4'));
push(binary, '-', ov(['date', 'date'], 'int4', 'sub_date_date'));
push(binary, '+', ov(['date', 'interval'], 'timestamp', 'add_date_interval'));
push(binary, '+', ov(['interval', 'date'], 'timestamp', 'add_date_interval', true));
push(binary, '-', ov(['date', 'interval'], 'timestamp', 'sub_date_interval'));
push(binary, '+', ov(['date', 'time'], 'timestamp', 'add_date_time'));
push(binary, '+', ov(['time', 'date'], 'timestamp', 'add_date_time', true));
for (const t of ['timestamp', 'timestamptz'] as const) {
  push(binary, '+', ov([t, 'interval'], t, `add_${t}_interval`));
  push(binary, '+', ov(['interval', t], t, `add_${t}_interval`, true));
  push(binary, '-', ov([t, 'interval'], t, `sub_${t}_interval`));
  push(binary, '-', ov([t, t], 'interval', `sub_${t}_${t}`));
}
push(binary, '+', ov(['time', 'interval'], 'time', 'add_time_interval'));
push(binary, '+', ov(['interval', 'time'], 'time', 'add_time_interval', true));
push(binary, '-', ov(['time', 'interval'], 'time', 'sub_time_interval'));
push(binary, '-', ov(['time', 'time'], 'interval', 'sub_time_time'));
push(binary, '+', ov(['interval', 'interval'], 'interval', 'add_interval'));
push(binary, '-', ov(['interval', 'interval'], 'interval', 'sub_interval'));
push(binary, '*', ov(['interval', 'float8'], 'interval', 'mul_interval_float8'));
push(binary, '*', ov(['float8', 'interval'], 'interval', 'mul_interval_float8', true));
push(binary, '/', ov(['interval', 'float8'], 'interval', 'div_interval_float8'));
push(unary, '-', ov(['interval'], 'interval', 'neg_interval'));
push(unary, '+', ov(['interval'], 'interval', 'identity'));

// Strings. `||` with a non-string operand is handled by the binder (anynonarray || text).
push(binary, '||', ov(['text', 'text'], 'text', 'concat_text'));
push(binary, '||', ov(['bytea', 'bytea'], 'bytea', 'concat_bytea'));
for (const [op, f] of [['~~', 'like'], ['!~~', 'not_like'], ['~~*', 'ilike'], ['!~~*', 'not_ilike'], ['~', 'regex_match'], ['~*', 'regex_imatch'], ['!~', 'not_regex_match'], ['!~*', 'not_regex_imatch']] as const) {
  push(binary, op, ov(['text', 'text'], 'bool', f));
}
push(binary, '^', ov(['float8', 'float8'], 'float8', 'power_float8'));
push(binary, '^', ov(['numeric', 'numeric'], 'numeric', 'power_numeric'));
push(unary, '@', ov(['int4'], 'int4', 'abs_int4'));
push(unary, '|/', ov(['float8'], 'float8', 'sqrt_float8'));

// Functions.
for (const t of NUMERIC_TYPES) push(funcs, 'abs', ov([t], t, `abs_${t}`));
for (const name of ['round', 'trunc', 'ceil', 'ceiling', 'floor']) {
  const impl = name === 'ceiling' ? 'ceil' : name;
  push(funcs, name, ov(['float8'], 'float8', `${impl}_float8`));
  push(funcs, name, ov(['numeric'], 'numeric', `${impl}_numeric`));
}
push(funcs, 'round', ov(['numeric', 'int4'], 'numeric', 'round_numeric_int4'));
push(funcs, 'trunc', ov(['numeric', 'int4'], 'numeric', 'trunc_numeric_int4'));
for (const t of ['float8', 'numeric'] as const) {
  push(funcs, 'sign', ov([t], t, `sign_${t}`));
  push(funcs, 'sqrt', ov([t], t, `sqrt_${t}`));
  push(funcs, 'exp', ov([t], t, `exp_${t}`));
  push(funcs, 'ln', ov([t], t, `ln_${t}`));
  push(funcs, 'log10', ov([t], t, `log10_${t}`));
  push(funcs, 'log', ov([t], t, `log10_${t}`));
  push(funcs, 'power', ov([t, t], t, `power_${t}`));
  push(funcs, 'pow', ov([t, t], t, `power_${t}`));
}
push(funcs, 'cbrt', ov(['float8'], 'float8', 'cbrt_float8'));
for (const t of ['int2', 'int4', 'int8', 'numeric'] as const) push(funcs, 'mod', ov([t, t], t, `mod_${t}`));
push(funcs, 'pi', ov([], 'float8', 'pi'));
push(funcs, 'random', ov([], 'float8', 'random'));
for (const n of ['length', 'char_length', 'character_length']) push(funcs, n, ov(['text'], 'int4', 'length_text'));
push(funcs, 'length', ov(['bytea'], 'int4', 'length_bytea'));
push(funcs, 'octet_length', ov(['text'], 'int4', 'octet_length_text'));
push(funcs, 'octet_length', ov(['bytea'], 'int4', 'length_bytea'));
push(funcs, 'bit_length', ov(['text'], 'int4', 'bit_length_text'));
push(funcs, 'lower', ov(['text'], 'text', 'lower'));
push(funcs, 'upper', ov(['text'], 'text', 'upper'));
push(funcs, 'initcap', ov(['text'], 'text', 'initcap'));
for (const n of ['substr', 'substring']) {
  push(funcs, n, ov(['text', 'int4'], 'text', 'substr_2'));
  push(funcs, n, ov(['text', 'int4', 'int4'], 'text', 'substr_3'));
}
for (const n of ['btrim', 'ltrim', 'rtrim']) {
  push(funcs, n, ov(['text'], 'text', `${n}_1`));
  push(funcs, n, ov(['text', 'text'], 'text', `${n}_2`));
}
push(funcs, 'replace', ov(['text', 'text', 'text'], 'text', 'replace'));
push(funcs, 'strpos', ov(['text', 'text'], 'int4', 'strpos'));
push(funcs, 'position', ov(['text', 'text'], 'int4', 'strpos'));
push(funcs, 'left', ov(['text', 'int4'], 'text', 'left'));
push(funcs, 'right', ov(['text', 'int4'], 'text', 'right'));
push(funcs, 'repeat', ov(['text', 'int4'], 'text', 'repeat'));
push(funcs, 'reverse', ov(['text'], 'text', 'reverse'));
push(funcs, 'split_part', ov(['text', 'text', 'int4'], 'text', 'split_part'));
push(funcs, 'lpad', ov(['text', 'int4'], 'text', 'lpad_2'));
push(funcs, 'lpad', ov(['text', 'int4', 'text'], 'text', 'lpad_3'));
push(funcs, 'rpad', ov(['text', 'int4'], 'text', 'rpad_2'));
push(funcs, 'rpad', ov(['text', 'int4', 'text'], 'text', 'rpad_3'));
push(funcs, 'starts_with', ov(['text', 'text'], 'bool', 'starts_with'));
push(funcs, 'ascii', ov(['text'], 'int4', 'ascii'));
push(funcs, 'chr', ov(['int4'], 'text', 'chr'));
push(funcs, 'md5', ov(['text'], 'text', 'md5'));
push(funcs, 'like_escape', ov(['text', 'text'], 'text', 'like_escape'));
push(funcs, 'date_trunc', ov(['text', 'timestamp'], 'timestamp', 'date_trunc_timestamp'));
push(funcs, 'date_trunc', ov(['text', 'timestamptz'], 'timestamptz', 'date_trunc_timestamptz'));
push(funcs, 'date_trunc', ov(['text', 'interval'], 'interval', 'date_trunc_interval'));
for (const t of ['date', 'time', 'timestamp', 'timestamptz', 'interval'] as const) {
  push(funcs, 'date_part', ov(['text', t], 'float8', `date_part_${t}`));
  push(funcs, 'extract', ov(['text', t], 'numeric', `extract_${t}`));
}
push(funcs, 'to_timestamp', ov(['float8'], 'timestamptz', 'to_timestamp'));
push(funcs, 'make_date', ov(['int4', 'int4', 'int4'], 'date', 'make_date'));
push(funcs, 'justify_days', ov(['interval'], 'interval', 'justify_days'));
push(funcs, 'justify_hours', ov(['interval'], 'interval', 'justify_hours'));
push(funcs, 'justify_interval', ov(['interval'], 'interval', 'justify_interval'));
push(funcs, 'age', ov(['timestamp', 'timestamp'], 'interval', 'age_timestamp'));
push(funcs, 'age', ov(['timestamptz', 'timestamptz'], 'interval', 'age_timestamp'));

// More date/time.
push(funcs, 'to_char', ov(['timestamp', 'text'], 'text', 'to_char_timestamp'));
push(funcs, 'to_char', ov(['timestamptz', 'text'], 'text', 'to_char_timestamptz'));
for (const t of ['int4', 'int8', 'numeric', 'float8'] as const) push(funcs, 'to_char', ov([t, 'text'], 'text', 'to_char_number'));
push(funcs, 'make_interval', ov(['int4', 'int4', 'int4', 'int4', 'int4', 'int4', 'float8'], 'interval', 'make_interval'));
push(funcs, 'make_timestamp', ov(['int4', 'int4', 'int4', 'int4', 'int4', 'float8'], 'timestamp', 'make_timestamp'));
push(funcs, 'make_timestamptz', ov(['int4', 'int4', 'int4', 'int4', 'int4', 'float8'], 'timestamptz', 'make_timestamptz'));
push(funcs, 'make_timestamptz', ov(['int4', 'int4', 'int4', 'int4', 'int4', 'float8', 'text'], 'timestamptz', 'make_timestamptz'));
push(funcs, 'make_time', ov(['int4', 'int4', 'float8'], 'time', 'make_time'));
push(funcs, 'date_bin', ov(['interval', 'timestamp', 'timestamp'], 'timestamp', 'date_bin'));
push(funcs, 'date_bin', ov(['interval', 'timestamptz', 'timestamptz'], 'timestamptz', 'date_bin'));
push(funcs, 'datediff', ov(['text', 'timestamp', 'timestamp'], 'int8', 'datediff_timestamp'));
push(funcs, 'datediff', ov(['text', 'timestamptz', 'timestamptz'], 'int8', 'datediff_timestamp'));
push(funcs, 'datediff', ov(['text', 'date', 'date'], 'int8', 'datediff_date'));
push(funcs, 'datediff', ov(['text', 'time', 'time'], 'int8', 'datediff_time'));
push(funcs, 'timezone', ov(['text', 'timestamptz'], 'timestamp', 'timezone_timestamptz'));
push(funcs, 'timezone', ov(['text', 'timestamp'], 'timestamptz', 'timezone_timestamp'));

// More math.
for (const f of ['sin', 'cos', 'tan', 'cot', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'degrees', 'radians']) push(funcs, f, ov(['float8'], 'float8', f));
push(funcs, 'atan2', ov(['float8', 'float8'], 'float8', 'atan2'));
push(funcs, 'log', ov(['numeric', 'numeric'], 'numeric', 'log_numeric_numeric'));
push(funcs, 'div', ov(['numeric', 'numeric'], 'numeric', 'div_numeric_trunc'));
for (const t of ['int4', 'int8'] as const) {
  push(funcs, 'gcd', ov([t, t], t, `gcd_${t}`));
  push(funcs, 'lcm', ov([t, t], t, `lcm_${t}`));
}

// More strings.
push(funcs, 'regexp_replace', ov(['text', 'text', 'text'], 'text', 'regexp_replace'));
push(funcs, 'regexp_replace', ov(['text', 'text', 'text', 'text'], 'text', 'regexp_replace'));
push(funcs, 'regexp_match', { args: [T.text, T.text], ret: arrayOf(T.text), func: 'regexp_match' });
push(funcs, 'regexp_match', { args: [T.text, T.text, T.text], ret: arrayOf(T.text), func: 'regexp_match' });
push(funcs, 'regexp_count', ov(['text', 'text'], 'int4', 'regexp_count'));
push(funcs, 'substring', ov(['text', 'text'], 'text', 'substring_regex'));
push(funcs, 'translate', ov(['text', 'text', 'text'], 'text', 'translate'));
push(funcs, 'quote_literal', ov(['text'], 'text', 'quote_literal'));
push(funcs, 'string_to_array', { args: [T.text, T.text], ret: arrayOf(T.text), func: 'string_to_array' });
push(funcs, 'string_to_array', { args: [T.text, T.text, T.text], ret: arrayOf(T.text), func: 'string_to_array' });
push(funcs, 'to_hex', ov(['int4'], 'text', 'to_hex_int4'));
push(funcs, 'to_hex', ov(['int8'], 'text', 'to_hex_int8'));
push(funcs, 'sha256', ov(['bytea'], 'bytea', 'sha256'));
for (const n of ['substr', 'substring']) {
  push(funcs, n, ov(['bytea', 'int4'], 'bytea', 'substr_bytea_2'));
  push(funcs, n, ov(['bytea', 'int4', 'int4'], 'bytea', 'substr_bytea_3'));
}
push(funcs, 'similar_to_escape', ov(['text'], 'text', 'similar_to_escape'));
push(funcs, 'similar_to_escape', ov(['text', 'text'], 'text', 'similar_to_escape'));
push(funcs, 'regexp_split_to_array', { args: [T.text, T.text], ret: arrayOf(T.text), func: 'regexp_split_to_array' });
push(funcs, 'regexp_split_to_array', { args: [T.text, T.text, T.text], ret: arrayOf(T.text), func: 'regexp_split_to_array' });
push(funcs, 'encode', ov(['bytea', 'text'], 'text', 'encode'));
push(funcs, 'decode', ov(['text', 'text'], 'bytea', 'decode'));
push(funcs, 'md5', ov(['bytea'], 'text', 'md5_bytea'));

// jsonb.
const J = s('jsonb');
const TEXT_ARR = arrayOf(s('text'));
const jov = (args: readonly ScalarType[], ret: ScalarType, func: string): Overload => ({ args, ret, func });
push(binary, '->', jov([J, T.text], J, 'jsonb_field'));
push(binary, '->', jov([J, T.int4], J, 'jsonb_elem'));
push(binary, '->>', jov([J, T.text], T.text, 'jsonb_field_text'));
push(binary, '->>', jov([J, T.int4], T.text, 'jsonb_elem_text'));
push(binary, '#>', jov([J, TEXT_ARR], J, 'jsonb_path'));
push(binary, '#>>', jov([J, TEXT_ARR], T.text, 'jsonb_path_text'));
push(binary, '@>', jov([J, J], T.bool, 'jsonb_contains'));
push(binary, '<@', jov([J, J], T.bool, 'jsonb_contained'));
push(binary, '?', jov([J, T.text], T.bool, 'jsonb_exists'));
push(binary, '?|', jov([J, TEXT_ARR], T.bool, 'jsonb_exists_any'));
push(binary, '?&', jov([J, TEXT_ARR], T.bool, 'jsonb_exists_all'));
push(binary, '||', jov([J, J], J, 'jsonb_concat'));
push(binary, '-', jov([J, T.text], J, 'jsonb_delete_key'));
push(binary, '-', jov([J, T.int4], J, 'jsonb_delete_index'));
push(binary, '-', jov([J, TEXT_ARR], J, 'jsonb_delete_keys'));
push(binary, '#-', jov([J, TEXT_ARR], J, 'jsonb_delete_path'));
const JS = s('json');
push(binary, '->', jov([JS, T.text], JS, 'json_field'));
push(binary, '->', jov([JS, T.int4], JS, 'json_elem'));
push(binary, '->>', jov([JS, T.text], T.text, 'json_field_text'));
push(binary, '->>', jov([JS, T.int4], T.text, 'json_elem_text'));
push(binary, '#>', jov([JS, TEXT_ARR], JS, 'json_path'));
push(binary, '#>>', jov([JS, TEXT_ARR], T.text, 'json_path_text'));
push(funcs, 'json_typeof', jov([JS], T.text, 'json_typeof'));
push(funcs, 'json_array_length', jov([JS], T.int4, 'json_array_length'));
push(funcs, 'jsonb_typeof', jov([J], T.text, 'jsonb_typeof'));
push(funcs, 'jsonb_array_length', jov([J], T.int4, 'jsonb_array_length'));
push(funcs, 'jsonb_strip_nulls', jov([J], J, 'jsonb_strip_nulls'));
push(funcs, 'jsonb_pretty', jov([J], T.text, 'jsonb_pretty'));
push(funcs, 'jsonb_set', jov([J, TEXT_ARR, J], J, 'jsonb_set'));
push(funcs, 'jsonb_set', jov([J, TEXT_ARR, J, T.bool], J, 'jsonb_set'));
push(funcs, 'jsonb_extract_path', { args: [J, T.text], ret: J, func: 'jsonb_path_variadic', variadic: true });
push(funcs, 'jsonb_extract_path_text', { args: [J, T.text], ret: T.text, func: 'jsonb_path_text_variadic', variadic: true });

export function binaryOverloads(op: string): readonly Overload[] | undefined {
  return binary.get(op);
}
export function unaryOverloads(op: string): readonly Overload[] | undefined {
  return unary.get(op);
}
export function functionOverloads(name: string): readonly Overload[] | undefined {
  return funcs.get(name);
}

/** Every registry function the overload tables refer to (for the registry-consistency test). */
export function allOverloadFuncs(): string[] {
  const out = new Set<string>();
  for (const m of [binary, unary, funcs]) for (const l of m.values()) for (const o of l) out.add(o.func);
  return [...out];
}

export { T };
