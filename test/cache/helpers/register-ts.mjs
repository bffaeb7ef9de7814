// `node --import ./register-ts.mjs child.mjs`: lets the child import src/**/*.ts.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
