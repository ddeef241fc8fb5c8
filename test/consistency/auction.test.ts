/**
 * The auction demo's invariant (Materialize quickstart): money only moves between accounts, so
 * SUM(credits) - SUM(debits) over the winning bids is exactly 0 at every timestamp. With AUCTION
 * ticking fast, concurrent readers and a SUBSCRIBE to the same query check every answer and every
 * state of the changelog for AUCTION_SECONDS (default 60).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { type ServerProcess, startServerProcess } from '../support/server.ts';

const SECONDS = Number(process.env.AUCTION_SECONDS ?? 60);
let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess();
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  await c.query("CREATE SOURCE auction_house FROM LOAD GENERATOR AUCTION (TICK INTERVAL '10ms') FOR ALL TABLES");
  // The demo's SQL, unchanged (materialize-surface.md §7.3).
  await c.query(`CREATE VIEW winning_bids AS
SELECT DISTINCT ON (auctions.id) bids.*, auctions.item, auctions.seller
FROM auctions, bids
WHERE auctions.id = bids.auction_id
  AND bids.bid_time < auctions.end_time
  AND mz_now() >= auctions.end_time
ORDER BY auctions.id,
  bids.bid_time DESC,
  bids.amount,
  bids.buyer`);
  await c.query('CREATE INDEX wins_by_item ON winning_bids (item)');
  await c.query(`CREATE VIEW funds_movement AS
SELECT id, SUM(credits) as credits, SUM(debits) as debits
FROM (
  SELECT seller as id, amount as credits, 0 as debits
  FROM winning_bids
  UNION ALL
  SELECT buyer as id, 0 as credits, amount as debits
  FROM winning_bids
)
GROUP BY id`);
  await c.end();
});

afterAll(async () => {
  await server?.dispose();
});

const NET = 'SELECT SUM(credits) - SUM(debits) AS net, SUM(credits) AS credits FROM funds_movement';

describe('auction demo invariant', () => {
  it(`SUM(credits) - SUM(debits) is 0 in every answer and every changelog state for ${SECONDS} s`, async () => {
    const until = Date.now() + SECONDS * 1000;
    const violations: string[] = [];
    let reads = 0;
    let states = 0;
    let lastCredits = 0;

    const reader = async (): Promise<void> => {
      const c = new pg.Client({ connectionString: server.url });
      await c.connect();
      while (Date.now() < until) {
        const r = await c.query(NET);
        const net = r.rows[0].net as string | null;
        reads++;
        if (net !== null && net !== '0') violations.push(`read saw net ${net}`);
        if (r.rows[0].credits !== null) lastCredits = Math.max(lastCredits, Number(r.rows[0].credits));
      }
      await c.end();
    };

    const subscriber = async (): Promise<void> => {
      const c = new pg.Client({ connectionString: server.url });
      await c.connect();
      await c.query('BEGIN');
      await c.query(`DECLARE s CURSOR FOR SUBSCRIBE (${NET}) WITH (PROGRESS)`);
      // The changelog's state: row (net, credits) -> multiplicity, checked at every closed timestamp.
      const state = new Map<string, number>();
      let pending = false;
      while (Date.now() < until) {
        const { rows } = await c.query("FETCH ALL s WITH (timeout = '1s')");
        for (const row of rows as { mz_progressed: boolean; mz_diff: string | null; net: string | null; credits: string | null }[]) {
          if (row.mz_progressed) {
            if (!pending) continue;
            pending = false;
            states++;
            const live = [...state].filter(([, n]) => n !== 0);
            if (live.length !== 1 || live[0]![1] !== 1) violations.push(`changelog state has ${JSON.stringify(live)}`);
            else if (JSON.parse(live[0]![0])[0] !== null && JSON.parse(live[0]![0])[0] !== '0') violations.push(`changelog state net ${live[0]![0]}`);
            continue;
          }
          pending = true;
          const key = JSON.stringify([row.net, row.credits]);
          state.set(key, (state.get(key) ?? 0) + Number(row.mz_diff));
        }
      }
      await c.query('ROLLBACK');
      await c.end();
    };

    await Promise.all([reader(), reader(), reader(), subscriber()]);
    expect(violations.slice(0, 10)).toEqual([]);
    expect(reads).toBeGreaterThan(10);
    expect(states).toBeGreaterThan(5);
    // Not vacuous: auctions closed and money moved.
    if (SECONDS >= 20) expect(lastCredits).toBeGreaterThan(0);
  }, (SECONDS + 60) * 1000);
});
