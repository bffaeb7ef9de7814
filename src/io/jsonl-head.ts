/**
 * The symbol under which a JSONL row carries its line's object text up to (not including) the
 * closing brace ('{' for an empty object): JSONL output writes it and appends the new keys, so every
 * input value comes back exactly as written (number text, key order, escapes, keys beyond the columns).
 */
export const JSONL_HEAD: unique symbol = Symbol('llmap.jsonlHead');
