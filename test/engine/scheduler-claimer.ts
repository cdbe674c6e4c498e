/**
 * A separate OS process claiming jobs for the concurrency test: registers as worker argv[3] on the
 * store in argv[2], prints "ready", waits for a line on stdin, claims until the queue is empty and
 * prints the claimed queue ids as JSON.
 */
import { once } from "node:events";
import { claimJob, registerWorker } from "../../src/engine/scheduler/index.js";
import { openStore } from "../../src/engine/store/index.js";
import { schedulePolicy } from "./fixtures.js";

const [dataDir, name] = process.argv.slice(2);
const db = openStore(dataDir!);
const workerId = registerWorker(db, { name: name!, key: name!, address: "127.0.0.1" }, new Date());
process.stdout.write("ready\n");
await once(process.stdin, "data");
const claimed: number[] = [];
const filter = { backends: ["debian"], architectures: ["x86_64", "all"] };
for (let job = claimJob(db, workerId, filter, schedulePolicy(), new Date()); job; job = claimJob(db, workerId, filter, schedulePolicy(), new Date())) {
  claimed.push(job.queueId);
}
db.close();
process.stdout.write(JSON.stringify({ workerId, claimed }) + "\n");
process.exit(0);
