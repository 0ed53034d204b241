/**
 * Runs `task` now (or after `firstRunAfterMs`) and then again every `intervalMs` (or sooner
 * when `wake` is called), never two at once; errors go to `onError` and the loop goes on.
 * Returns its controls.
 */
export function startLoop(
  task: () => Promise<unknown>,
  options: { intervalMs: number; onError: (error: unknown) => void; firstRunAfterMs?: number },
) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  const schedule = (delay: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(run, Math.max(0, delay));
  };

  function run(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      let next = options.intervalMs;
      try {
        const asked = await task();
        if (typeof asked === 'number') next = Math.min(next, asked);
      } catch (error) {
        options.onError(error);
      } finally {
        running = null;
      }
      if (again) {
        again = false;
        next = 0;
      }
      schedule(next);
    })();
  }

  if (options.firstRunAfterMs) schedule(options.firstRunAfterMs);
  else run();
  return {
    wake: () => {
      if (running) again = true;
      else schedule(0);
    },
    /** Stops the loop and waits for a round that is running. */
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    /** Resolves when the round running now (if any) is done. */
    idle: async () => {
      await running;
    },
  };
}

export type Loop = ReturnType<typeof startLoop>;
