import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import {
  DEFAULT_FAULT_MIX,
  faultMix,
  mulberry32At,
  parseFaultMix,
  startFakeServer,
  type FakeResponse,
  type FakeServer,
  type FaultMix,
} from './server.js';

let server: FakeServer | undefined;
/** CLI servers started by a test, stopped even when it fails early. */
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await server?.close();
});

const chat = { model: 'm', messages: [{ role: 'user', content: 'x' }] };

/** The reference mulberry32, drawn in sequence. */
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    let t = (a += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const kindOf = (r: FakeResponse | undefined) =>
  r === undefined ? 'ok' : r.status !== undefined ? String(r.status) : Object.keys(r)[0];

function kinds(mix: FaultMix, count: number): string[] {
  const behave = faultMix(mix);
  return Array.from({ length: count }, (_, i) => kindOf(behave(undefined as never, i + 1)));
}

/** What a client sees for one request: the status, 'reset' when the socket died, 'malformed' for a broken 200 body. */
async function observe(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(chat) });
  } catch {
    return 'reset';
  }
  const text = await res.text();
  if (res.status !== 200) return String(res.status);
  try {
    JSON.parse(text);
    return 'ok';
  } catch {
    return 'malformed';
  }
}

describe('the seeded fault mix', () => {
  test('request n gets the n-th draw of mulberry32(seed)', () => {
    for (const seed of [0, 1, 42, -5, 2 ** 31 + 7]) {
      const next = mulberry32(seed);
      for (let n = 1; n <= 500; n++) expect(mulberry32At(seed, n)).toBe(next());
    }
  });

  test('a seed pins the sequence; 10,000 draws of the default mix land near its probabilities', () => {
    const seq = kinds({ seed: 42, ...DEFAULT_FAULT_MIX }, 10_000);
    expect(seq.slice(0, 30).join(' ')).toBe(
      'ok ok ok ok hang ok ok ok ok ok ok ok ok ok ok ok ok ok 429 ok ok 429 ok 429 ok 429 malformed ok ok 429',
    );
    const counts: Record<string, number> = {};
    for (const k of seq) counts[k] = (counts[k] ?? 0) + 1;
    expect(counts).toEqual({ ok: 8080, 429: 1031, 500: 494, reset: 192, hang: 99, malformed: 104 });
    expect(kinds({ seed: 42, ...DEFAULT_FAULT_MIX }, 10_000)).toEqual(seq);
    expect(kinds({ seed: 43, ...DEFAULT_FAULT_MIX }, 100)).not.toEqual(seq.slice(0, 100));
  });

  test('a live server answers in the predicted order, the same for two servers with one seed, and counts it', async () => {
    const mix = { seed: 7, rateLimit: 0.3, server: 0.2, reset: 0.1, malformed: 0.2, retryAfterMs: 20 };
    const predicted = kinds(mix, 30);
    const runs: string[][] = [];
    for (let r = 0; r < 2; r++) {
      server = await startFakeServer({ faults: mix });
      const seen: string[] = [];
      for (let i = 0; i < 30; i++) seen.push(await observe(server.url));
      runs.push(seen);
      const count = (k: string) => predicted.filter((p) => p === k).length;
      expect(server.stats).toEqual({
        requests: 30,
        ok: count('ok'),
        rateLimited: count('429'),
        serverErrors: count('500'),
        clientErrors: 0,
        resets: count('reset'),
        hangs: 0,
        malformed: count('malformed'),
        empty: 0,
      });
      expect(server.requests.map((q) => q.outcome)).toEqual(
        predicted.map((k) => ({ 429: 'rate_limited', 500: 'server_error' })[k] ?? k),
      );
      await server.close();
      server = undefined;
    }
    expect(runs[0]).toEqual(predicted);
    expect(runs[1]).toEqual(predicted);
    expect(predicted.slice(0, 10)).toEqual(['429', '429', 'ok', 'malformed', 'reset', '500', '500', '429', 'reset', 'malformed']);
  });

  test('reset() restarts the sequence; 429s carry retry-after-ms and a rounded-up retry-after', async () => {
    server = await startFakeServer({ faults: { seed: 7, rateLimit: 0.5, retryAfterMs: 20 } });
    const headers = async () => {
      const res = await fetch(`${server!.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(chat) });
      await res.arrayBuffer();
      return [res.status, res.headers.get('retry-after-ms'), res.headers.get('retry-after')];
    };
    const first = [await headers(), await headers(), await headers()];
    server.reset();
    expect([await headers(), await headers(), await headers()]).toEqual(first);
    expect(first[0]).toEqual([429, '20', '1']);

    await server.close();
    server = await startFakeServer({ faults: { seed: 7, rateLimit: 1 } });
    expect(await headers()).toEqual([429, null, '1']);
  });

  test('a hang is never answered until the server closes', async () => {
    server = await startFakeServer({ faults: { seed: 1, hang: 1 } });
    const pending = fetch(`${server.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(chat) }).then(
      (r) => r.status,
      () => 'closed',
    );
    while (server.requests[0]?.outcome !== 'hang') await new Promise((r) => setImmediate(r));
    expect(server.stats).toMatchObject({ requests: 1, hangs: 1, ok: 0 });
    await server.close();
    server = undefined;
    expect(await pending).toBe('closed');
  });

  test('a behaviour hook and a failure plan take precedence over the mix', async () => {
    server = await startFakeServer({ faults: { seed: 1, server: 1 }, failures: [{ kind: 'rate_limit', count: 1 }] });
    expect(await observe(server.url)).toBe('429');
    expect(await observe(server.url)).toBe('500');
    server.setBehavior(() => ({ answer: 'fine' }));
    expect(await observe(server.url)).toBe('ok');
  });

  test('bad mixes are refused with a message naming the field', () => {
    expect(() => faultMix({ seed: 1.5 })).toThrow('expected faults.seed to be an integer, got 1.5');
    expect(() => faultMix({ seed: 1, hang: 2 })).toThrow('expected faults.hang to be a probability in [0, 1], got 2');
    expect(() => faultMix({ seed: 1, rateLimit: 0.6, server: 0.6 })).toThrow('fault probabilities add up to 1.2; they must add up to at most 1');
  });

  test('parseFaultMix reads the CLI syntax', () => {
    expect(parseFaultMix('429=0.1,500=0.05,reset=0.02,hang=0.01,malformed=0.01')).toEqual(DEFAULT_FAULT_MIX);
    expect(parseFaultMix('server=0.5')).toEqual({ server: 0.5 });
    expect(() => parseFaultMix('429=0.1,503=0.2')).toThrow(
      "expected --fault-mix entries like 429=0.1 (kinds: 429, 500, reset, hang, malformed; probabilities in [0, 1]), got '503=0.2'",
    );
    expect(() => parseFaultMix('hang=')).toThrow("got 'hang='");
  });
});

describe('the CLI fault flags', () => {
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));

  function start(args: string[]) {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const firstLine = createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((r) => r.value as string | undefined);
    return { child, closed, firstLine, stderr: () => stderr };
  }

  test('--faults SEED --fault-mix --retry-after-ms answers by the mix and reports the counts on SIGINT', async () => {
    const s = start(['--faults', '7', '--fault-mix', '429=0.3,500=0.2,reset=0.1,malformed=0.2', '--retry-after-ms', '20']);
    const url = (await s.firstLine)!.replace('listening on ', '');
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) seen.push(await observe(url));
    expect(seen).toEqual(['429', '429', 'ok', 'malformed', 'reset', '500', '500', '429', 'reset', 'malformed']);
    s.child.kill('SIGINT');
    expect(await s.closed).toBe(0);
    expect(s.stderr()).toBe(
      'fake server stats: {"requests":10,"ok":1,"rateLimited":3,"serverErrors":2,"clientErrors":0,"resets":2,"hangs":0,"malformed":2,"empty":0}\n',
    );
  });

  test('bad flags exit 2 with one line', async () => {
    const bad = start(['--faults', '1', '--fault-mix', 'boom=1']);
    expect(await bad.closed).toBe(2);
    expect(bad.stderr()).toBe(
      "expected --fault-mix entries like 429=0.1 (kinds: 429, 500, reset, hang, malformed; probabilities in [0, 1]), got 'boom=1'\n",
    );
    const orphan = start(['--retry-after-ms', '20']);
    expect(await orphan.closed).toBe(2);
    expect(orphan.stderr()).toBe('--retry-after-ms needs --faults SEED\n');
  });
});
