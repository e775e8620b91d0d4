// Another thread of the process, on a SQLite database's thread channel
// (src/db/queue-wake.ts): workerData names the database file, the queue and
// the lanes. It announces them, as a web thread does when it queues; or,
// with `listen`, says it is listening, then posts the lanes of the first
// announcement it hears, as a worker thread's listener would wake for them.
import { parentPort, workerData } from "node:worker_threads";
import { sqliteThreadWake } from "../../src/db/queue-wake.ts";

const { file, queue, lanes, listen } = workerData as { file: string; queue: string; lanes: string[]; listen?: boolean };
const threads = sqliteThreadWake(file);
if (listen) {
  // The channel does not keep a thread alive (a worker thread has its queue's timers for that).
  const alive = setInterval(() => {}, 1000);
  const stop = threads.source((heard) => {
    stop();
    clearInterval(alive);
    parentPort?.postMessage(heard === null ? null : [...heard]);
  });
  parentPort?.postMessage("listening");
} else {
  threads.announce(queue, lanes);
  threads.close();
  parentPort?.postMessage("announced");
}
