// The listener's clocks: a sleep that news of work cuts short, and a bound
// on a handler's run.

/** A sleep that `ring()` cuts short; a ring while awake makes the next sleep return at once. */
export class Alarm {
  #rang = false;
  #wake: (() => void) | undefined;

  ring(): void {
    this.#rang = true;
    this.#wake?.();
  }

  /** Forgets earlier rings, before a look at the queue that sees what they announced. */
  reset(): void {
    this.#rang = false;
  }

  sleep(ms: number): Promise<void> {
    if (this.#rang) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#wake = wake;
    });
  }
}

/** `work`, or a rejection once it has run `ms`. */
export async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Handler timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
