/**
 * The periodic SAML refresh (lambdas/saml/refresh.ts) for the local stack, where no EventBridge
 * schedule exists: a loop that runs it in-process against the stack's table every `intervalMs`
 * (and once at start), like the `SamlRefreshSchedule` of lib/idp-bridge-stack.ts does every 6 h.
 * Locally a short interval is useful: an IdP stand-in's rotated metadata shows up within minutes.
 */
import type { Deps } from '../lambdas/platform/deps.js';
import { refreshSamlConnections } from '../lambdas/saml/refresh.js';

/** Default local interval: five minutes. `0` turns the loop off. */
export const LOCAL_SAML_REFRESH_MS = 5 * 60_000;

/** A running refresh loop. */
export interface SamlRefreshLoop {
  /** Runs one refresh now (also what the loop does); resolves when it finished. */
  runOnce(): Promise<void>;
  stop(): void;
}

/**
 * Starts the loop. Runs never overlap (a slow metadata URL delays the next run); a failed run is
 * logged and the loop goes on. The timer does not keep the process alive.
 */
export function startSamlRefreshLoop(deps: Deps, intervalMs = LOCAL_SAML_REFRESH_MS): SamlRefreshLoop {
  let running: Promise<void> | undefined;
  const runOnce = (): Promise<void> => {
    running ??= refreshSamlConnections(deps, `saml-refresh-local-${deps.now().toISOString()}`)
      .then(() => undefined)
      .catch((err: unknown) => deps.logger.error('local SAML refresh failed', { error: err as Error }))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = intervalMs > 0 ? setInterval(() => void runOnce(), intervalMs) : undefined;
  timer?.unref();
  if (intervalMs > 0) void runOnce();
  return { runOnce, stop: () => clearInterval(timer) };
}
