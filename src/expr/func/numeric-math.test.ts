/** numeric ln/exp/log/power against PostgreSQL 15's results (exact digits and result scales). */
import { describe, expect, it } from 'vitest';
import { Numeric } from '../../repr/index.ts';
import { numericExp, numericLn, numericLog, numericLog10, numericPowerFrac } from './numeric-math.ts';
import { numericSqrt } from './arith.ts';

const n = (s: string): Numeric => Numeric.fromString(s)!;

describe('numeric transcendental functions', () => {
  it('match PostgreSQL digit for digit', () => {
    expect(numericLn(n('2')).toString()).toBe('0.6931471805599453');
    expect(numericLn(n('1e100')).toString()).toBe('230.25850929940457');
    expect(numericLn(n('0.5')).toString()).toBe('-0.6931471805599453');
    expect(numericExp(n('1')).toString()).toBe('2.7182818284590452');
    expect(numericExp(n('-10')).toString()).toBe('0.00004539992976248485');
    expect(numericLog10(n('100')).toString()).toBe('2.0000000000000000');
    expect(numericLog(n('10'), n('0.001')).toString()).toBe('-3.0000000000000000');
    expect(numericPowerFrac(n('1.12'), n('1.5')).toString()).toBe('1.1852965873569366');
    expect(numericPowerFrac(n('100'), n('0.5')).toString()).toBe('10.000000000000000');
    expect(numericPowerFrac(n('0.0001'), n('0.5')).toString()).toBe('0.010000000000000000');
    expect(numericSqrt(n('2')).toString()).toBe('1.414213562373095');
  });
  it('raise PostgreSQL errors for bad domains', () => {
    expect(() => numericLn(n('0'))).toThrow(/logarithm of zero/);
    expect(() => numericLn(n('-1'))).toThrow(/logarithm of a negative number/);
    expect(() => numericSqrt(n('-1'))).toThrow(/square root of a negative number/);
  });
});
