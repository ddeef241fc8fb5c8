/** Read holds: compaction follows the least held time; releasing a hold lets it advance. */
import { describe, expect, it } from 'vitest';
import { ts } from '../repr/index.ts';
import { ReadHolds } from './read-holds.ts';

describe('ReadHolds', () => {
  it('reports the least held time while any hold on it is live', () => {
    const h = new ReadHolds();
    expect(h.least()).toBeUndefined();
    const a = h.acquire(ts(20));
    const b = h.acquire(ts(10));
    const c = h.acquire(ts(10));
    expect(h.least()).toBe(10);
    h.release(b);
    expect(h.least()).toBe(10); // c still holds 10
    h.release(c);
    expect(h.least()).toBe(20);
    h.release(c); // releasing twice is harmless
    expect(h.size).toBe(1);
    h.release(a);
    expect(h.least()).toBeUndefined();
  });
});
