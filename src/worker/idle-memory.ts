// Gives the queue worker thread's memory back once it is idle.
//
// On the main thread, V8's memory reducer runs some 8 s after allocation
// quiets down and returns the pages a burst of work used. On a worker thread
// it did not (Node 24, V8 13.6: `--trace-memory-reducer` shows it waiting
// and never collecting, and nothing else triggers a collection in a thread
// that allocates nothing): after a fan-out to 2,000 inboxes the thread kept
// over 40 MB of garbage in a heap of 136 MB, 25 s later and indefinitely.
//
// So the thread watches its own heap, as the memory reducer watches
// allocation: every `checkMs` it reads how much of its heap is in use. When
// that has grown by `minGrowthBytes` since the last collection this made and
// has then stayed within `quietBytes` for a whole check (the thread is idle:
// the queue's polls allocate a few kilobytes), it runs one memory-reducing
// collection (V8's "last resort" full collection, which compacts and gives
// empty pages back). Work that goes on keeps it from running, and a thread
// left idle costs one heap read per check.
import { getHeapStatistics, setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export interface IdleMemoryOptions {
  checkMs: number;
  /** Growth of the heap in use, since the last collection made here, that is worth a collection. */
  minGrowthBytes: number;
  /** How little the heap in use may change over a check for the thread to count as idle. */
  quietBytes: number;
}

export const IDLE_MEMORY_DEFAULTS: IdleMemoryOptions = { checkMs: 5_000, minGrowthBytes: 16 * 1024 * 1024, quietBytes: 1024 * 1024 };

type Collect = (options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;
let collect: Collect | null = null;

/**
 * One memory-reducing full collection of this thread's heap. V8 exposes
 * collections to scripts only through `--expose-gc`, which Node does not
 * accept for a worker thread. The flag is set for as long as it takes to
 * make one context, whose `gc` is kept, and unset again: no other context,
 * in any thread, has `gc`.
 */
export function reduceMemory(): void {
  if (!collect) {
    setFlagsFromString("--expose-gc");
    try {
      collect = runInNewContext("gc") as Collect;
    } finally {
      setFlagsFromString("--no-expose-gc");
    }
  }
  collect({ type: "major", execution: "sync", flavor: "last-resort" });
}

/** What the watcher decides at one check, from the heap in use now and at the previous check. */
export function shouldReduce(used: number, previous: number, afterLastCollection: number, options: IdleMemoryOptions): boolean {
  return used - afterLastCollection >= options.minGrowthBytes && Math.abs(used - previous) <= options.quietBytes;
}

/** Starts the watcher; returns a function that stops it. */
export function reduceMemoryWhenIdle(options: IdleMemoryOptions = IDLE_MEMORY_DEFAULTS, onReduced?: (before: number, after: number) => void): () => void {
  const used = () => getHeapStatistics().used_heap_size;
  let afterLastCollection = used();
  let previous = afterLastCollection;
  const timer = setInterval(() => {
    const now = used();
    if (shouldReduce(now, previous, afterLastCollection, options)) {
      reduceMemory();
      afterLastCollection = used();
      onReduced?.(now, afterLastCollection);
    } else {
      // A heap that shrank by itself (V8 collected) is the new base.
      afterLastCollection = Math.min(afterLastCollection, now);
    }
    previous = used();
  }, options.checkMs);
  timer.unref();
  return () => clearInterval(timer);
}
