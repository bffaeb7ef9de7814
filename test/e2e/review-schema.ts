/**
 * The review schema the typed-answer e2e tests share: enum + number + integer + boolean + list of
 * strings + nested object, as JSON Schema and in the field syntax, the vendors' flags, and an input
 * of review rows whose prompts the fake server's answers derive from.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export const SCHEMA = {
  type: 'object',
  properties: {
    sentiment: { type: 'string', enum: ['positive', 'negative', 'neutral'] },
    score: { type: 'number' },
    stars: { type: 'integer' },
    is_spam: { type: 'boolean' },
    topics: { type: 'array', items: { type: 'string' } },
    author: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'] },
  },
  required: ['sentiment', 'score', 'stars', 'is_spam', 'topics', 'author'],
};
/** The same schema in the field syntax. */
export const FIELDS = 'sentiment: enum(positive, negative, neutral); score: number; stars: int; is_spam: bool; topics: list[string]; author: {name: string, age: int}';
export const COLUMNS = ['sentiment', 'score', 'stars', 'is_spam', 'topics', 'author'];

/** The value SCHEMA describes, as the fake server answers it. */
export interface Review {
  sentiment: string;
  score: number;
  stars: number;
  is_spam: boolean;
  topics: string[];
  author: { name: string; age: number };
}

/** Flags that send each wire format to the fake server at `url`. */
export const vendors = {
  openai: (url: string) => ['-m', 'gpt-4o-mini', '--base-url', `${url}/v1`],
  anthropic: (url: string) => ['-p', 'anthropic', '-m', 'claude-haiku-4-5', '--base-url', url, '--api-key-env', 'TEST_KEY'],
  'OpenAI-compatible (vllm)': (url: string) => ['-p', 'vllm', '-m', 'qwen', '--base-url', `${url}/v1`],
};
export type Vendor = keyof typeof vendors;

/** `dir`/reviews.csv with columns id and text, n rows; returns its path and the prompts (the text column). */
export function writeRows(dir: string, n: number): { input: string; prompts: string[] } {
  const prompts = Array.from({ length: n }, (_, i) => `review ${i + 1}: ${i % 3 === 0 ? 'great' : 'meh'}`);
  const input = path.join(dir, 'reviews.csv');
  writeFileSync(input, 'id,text\n' + prompts.map((p, i) => `${i + 1},${p}`).join('\n') + '\n');
  return { input, prompts };
}
