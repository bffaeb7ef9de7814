/**
 * Child processes (fake servers, llmap runs) must not outlive a benchmark, whether it ends
 * normally, throws, or is stopped with Ctrl-C or SIGTERM.
 */
const actions = new Set();
let installed = false;

/** Runs `action` (synchronous: kill a child) if the process exits before `forget()` is called. */
export function onCleanup(action) {
  install();
  actions.add(action);
  return () => void actions.delete(action);
}

// Last registered first: children go before the folder they write into.
function runAll() {
  for (const action of [...actions].reverse()) {
    try {
      action();
    } catch {
      // Best effort: one child already gone must not keep the others alive.
    }
  }
  actions.clear();
}

function install() {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
    process.on(signal, () => {
      runAll();
      process.exit(code);
    });
  }
}
