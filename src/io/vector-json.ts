/**
 * A float32 vector as JSON array text, each value the shortest decimal that reads back as the same
 * float32 (`0.1`, not the `0.10000000149011612` its double widening prints): a 1,536-value embedding
 * stays about half the size in CSV and JSONL, and `Math.fround(JSON.parse(...)[i])` is exact.
 */
export function vectorJson(vector: Float32Array): string {
  let out = '[';
  for (let i = 0; i < vector.length; i++) {
    if (i > 0) out += ',';
    out += shortestFloat32(vector[i]);
  }
  return out + ']';
}

/** The shortest decimal text of a float32 value; 'null' for NaN and infinities, as JSON has no such numbers. */
export function shortestFloat32(value: number): string {
  if (!Number.isFinite(value)) return 'null';
  // Six significant digits already single out one float32 near any value (float32 carries about
  // 7.2), so shorter decimals that round-trip come out of toPrecision(6) with trailing zeros that
  // Number() drops; nine always round-trip.
  for (let digits = 6; digits < 9; digits++) {
    const shorter = Number(value.toPrecision(digits));
    if (Math.fround(shorter) === value) return String(shorter);
  }
  return String(Number(value.toPrecision(9)));
}
