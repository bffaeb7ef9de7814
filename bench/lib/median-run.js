/**
 * Interleaved rounds: each subject runs once per round, in turn, and the run with the median wall
 * time stands for it. On a shared machine a burst of someone else's load then hits every subject
 * alike instead of deciding a ratio on its own.
 */

/**
 * Runs `subjects` (name -> async () => run with elapsedMs) `rounds` times, interleaved; resolves
 * with name -> the median run (by elapsedMs), each with `allMs` (every round's time) and `runs`
 * (every round's run, in order) added.
 */
export async function medianRuns(subjects, rounds) {
  const runs = Object.fromEntries(Object.keys(subjects).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(subjects)) runs[name].push(await run(round));
  }
  return Object.fromEntries(
    Object.entries(runs).map(([name, list]) => {
      const sorted = [...list].sort((a, b) => a.elapsedMs - b.elapsedMs);
      return [name, { ...sorted[Math.floor((sorted.length - 1) / 2)], allMs: list.map((r) => r.elapsedMs), runs: list }];
    }),
  );
}
