/** The first `n` items of an async iterable (for --limit); stops pulling the source after them. */
export async function* take<T>(source: AsyncIterable<T>, n: number): AsyncIterable<T> {
  if (n <= 0) return;
  let seen = 0;
  for await (const item of source) {
    yield item;
    if (++seen >= n) return;
  }
}
