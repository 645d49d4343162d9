/** Closed-loop load generation and latency statistics for the benchmarks (loopback only). */
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  readonly ops: number;
  readonly errors: number;
  readonly ms: number;
  readonly opsPerSec: number;
  readonly p50: number;
  readonly p99: number;
  /** Sorted latencies in ms. */
  readonly latencies: number[];
  /** True when the deadline stopped the run before `total` operations. */
  readonly truncated: boolean;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export const median = (xs: readonly number[]) => percentile([...xs].sort((a, b) => a - b), 50);

/**
 * Runs `op(i)` for i in [0, total) with `concurrency` workers, each starting its next operation
 * when the previous one finished (a closed loop, like an IdP's provisioning workers). An
 * operation that throws counts as an error. Stops early at `deadlineMs` (wall clock) so a slow
 * system under test cannot make the benchmark unbounded.
 */
export async function runLoad(total: number, concurrency: number, op: (i: number) => Promise<void>, deadlineMs = Number.POSITIVE_INFINITY): Promise<LoadResult> {
  let next = 0;
  let errors = 0;
  let truncated = false;
  const latencies: number[] = [];
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < total) {
      if (Date.now() > deadlineMs) {
        truncated = true;
        return;
      }
      const i = next++;
      const s = performance.now();
      try {
        await op(i);
        latencies.push(performance.now() - s);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  const ms = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  return { ops: latencies.length, errors, ms, opsPerSec: (latencies.length / ms) * 1000, p50: percentile(latencies, 50), p99: percentile(latencies, 99), latencies, truncated };
}

/** Times one async call in ms. */
export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const s = performance.now();
  const v = await fn();
  return [v, performance.now() - s];
}
