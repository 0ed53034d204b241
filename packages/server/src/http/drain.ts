// Graceful shutdown (README: Operating Upshot): requests that are running when the server
// is told to stop get until a deadline to finish; then they are aborted, and each answers
// a clean 503 envelope and stores nothing.

export function createDrain() {
  const running = new Set<AbortController>();
  let draining = false;
  let allDone: (() => void) | null = null;

  return {
    get draining() {
      return draining;
    },
    get inFlight() {
      return running.size;
    },
    /** Registers a request; call `done` when its reply is ready. */
    track(): { signal: AbortSignal; done(): void } {
      const controller = new AbortController();
      running.add(controller);
      return {
        signal: controller.signal,
        done() {
          running.delete(controller);
          if (draining && running.size === 0) allDone?.();
        },
      };
    },
    /**
     * Stops taking new work and waits for the running requests; at the deadline they are
     * aborted, and this resolves once they have answered (or after a short grace).
     */
    async drain(deadlineMs: number): Promise<{ aborted: number }> {
      draining = true;
      if (running.size === 0) return { aborted: 0 };
      const finished = new Promise<void>((resolve) => (allDone = resolve));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<'deadline'>((resolve) => {
        timer = setTimeout(() => resolve('deadline'), deadlineMs);
      });
      const outcome = await Promise.race([finished.then(() => 'done' as const), deadline]);
      clearTimeout(timer);
      if (outcome === 'done') return { aborted: 0 };
      const aborted = running.size;
      for (const controller of running) controller.abort();
      await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 2_000))]);
      return { aborted };
    },
  };
}

export type Drain = ReturnType<typeof createDrain>;
