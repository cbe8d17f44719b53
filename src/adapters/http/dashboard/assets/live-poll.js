// Live updates by short polling: the task runs every few seconds while the tab is visible, and at once when
// it becomes visible again. A failing task is retried at the next tick; it never stops the loop.

export const POLL_MS = 3000;

export function everyWhileVisible(task, intervalMs = POLL_MS) {
  let timer;
  let running = false;
  const run = async () => {
    clearTimeout(timer);
    if (!document.hidden && !running) {
      running = true;
      try {
        await task();
      } catch {
        // The section shows the error; the next tick tries again.
      } finally {
        running = false;
      }
    }
    timer = setTimeout(run, intervalMs);
  };
  document.addEventListener("visibilitychange", () => {
    // run catches its task's failure and tries again at the next tick.
    if (!document.hidden) void run();
  });
  timer = setTimeout(run, intervalMs);
}
