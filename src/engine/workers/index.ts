export { defaultArchitectures, DEFAULT_BACKEND_DISTROS, nativeArchitecture, resolveCapabilities } from "./capabilities.js";
export type { Capabilities, CreateBackend } from "./capabilities.js";
export { DEFAULT_MAX_DOWNLOAD_BYTES, JobFailure } from "./download.js";
export { runJob } from "./job.js";
export type { JobContext, JobSettings } from "./job.js";
export { WorkerSlots } from "./slots.js";
export type { RunSummary, SlotInfo, SlotState, WorkerSlotsOptions } from "./slots.js";
