/** undici's Pool module, loaded on its own (see providers/json-transport.ts). */
declare module 'undici/lib/dispatcher/pool.js' {
  import type { Pool } from 'undici';
  const pool: typeof Pool;
  export default pool;
}
