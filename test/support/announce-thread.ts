// A thread that announces queued work on a SQLite database's thread channel
// (src/db/queue-wake.ts), as a web thread does when it queues: workerData
// names the database file, the queue and the lanes.
import { parentPort, workerData } from "node:worker_threads";
import { sqliteThreadWake } from "../../src/db/queue-wake.ts";

const { file, queue, lanes } = workerData as { file: string; queue: string; lanes: string[] };
const threads = sqliteThreadWake(file);
threads.announce(queue, lanes);
threads.close();
parentPort?.postMessage("announced");
