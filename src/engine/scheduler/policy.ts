/** Retry arithmetic (reference §8.4), with a separate policy for BAD and for FAIL results (issue #233). */
import type { RetryPolicy, SchedulePolicy } from "../config.js";
import type { BuildStatus } from "../events.js";
import { addSeconds, toDbTime } from "../store/time.js";

/** BAD (did not reproduce) has its own policy; FAIL, UNKWN and "never built" share the other. */
export function retryPolicyFor(status: BuildStatus | null, policy: SchedulePolicy): RetryPolicy {
  return status === "BAD" ? policy.bad : policy.fail;
}

/**
 * True when `failures` (the highest retry counter among friends) reached max_retries.
 * Unlike rebuilderd, a build input that never failed is never given up on: upstream's
 * `max_retries = 0` would otherwise keep every new package from ever being built (§8.4).
 */
export function retriesExhausted(failures: number, policy: RetryPolicy): boolean {
  return policy.max_retries !== undefined && failures > 0 && failures >= policy.max_retries;
}

/** now + (R + 1) × base hours: 48 h after the first failure with the default base of 24. */
export function nextRetryAt(failures: number, policy: RetryPolicy, now: Date): string {
  return toDbTime(addSeconds(now, (failures + 1) * policy.retry_delay_base * 3600));
}

/** `next_retry` for a build input imported for the first time. */
export function initialNextRetry(policy: SchedulePolicy, now: Date): string | null {
  return policy.initial_delay > 0 ? toDbTime(addSeconds(now, policy.initial_delay)) : null;
}
