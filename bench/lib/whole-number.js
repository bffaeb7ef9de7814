/** Flag checking shared by the benchmark scripts. */

/** `text` as a whole number >= 1, or exit 2 naming the flag. */
export function wholeNumber(flag, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`expected --${flag} to be a whole number >= 1, got '${text}'\n`);
    process.exit(2);
  }
  return n;
}
