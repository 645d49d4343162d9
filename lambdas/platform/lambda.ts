import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Actor } from '../core/audit.js';
import { getDeps, type Deps } from './deps.js';
import { AppError } from '../core/errors.js';
import { fromApiGateway, toApiGateway, type HttpRequest, type HttpResponse } from './http.js';
import {
  defaultCause,
  redactRefusalDetail,
  redactRefusalString,
  refusalArea,
  refusalBucketName,
  refusalBucketOf,
  refusalOf,
  refusalWindow,
  type RefusalContext,
} from '../core/refusals.js';
import { RefusalRepo } from '../store/refusals.js';
import { isEnvelope, type Envelope } from './envelopes.js';
import { renderError } from './respond.js';
import { ROUTES } from './routes.js';

/** An endpoint group's pure core: a typed request in, a response out. Errors are thrown. */
export type App = (req: HttpRequest) => Promise<HttpResponse>;

export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** The endpoint group of each API Gateway route key (`routes.ts` is the one list of routes). */
const GROUP_OF_ROUTE = new Map<string, string>(ROUTES.map((r) => [`${r.method} ${r.path}`, r.group]));

/** What the wrapper knows about a refused request once its answer is rendered. */
interface Refused {
  readonly status: number;
  /** The error's stable code, when a typed error was thrown. */
  readonly code?: string;
  /** The message the caller sees (exposed errors only). */
  readonly message?: string;
  readonly facts?: RefusalContext;
}

/**
 * The group's error envelope (envelopes.ts): one name, or a choice by request for a group whose
 * routes speak different protocols (e.g. Universal Logout's API envelope beside RFC 8935's SSF one).
 */
export type EnvelopeChoice = Envelope | ((req: HttpRequest | undefined) => Envelope);

/**
 * Assembles a group's Lambda handler: dependencies once per cold start, the API Gateway adapter,
 * request-scoped logging, the group's error envelope in one place, and the trace of every refusal.
 */
export function makeHandler(envelope: EnvelopeChoice, build: (deps: Deps) => App): LambdaHandler {
  // An unregistered envelope fails the cold start, not the first error.
  if (typeof envelope === 'string' && !isEnvelope(envelope)) throw new Error(`No error envelope named "${envelope}" is registered.`);
  const envelopeOf = typeof envelope === 'string' ? () => envelope : envelope;
  const deps = getDeps();
  const app = build(deps);
  const { refusals } = deps.repos;
  const core = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const requestId = event.requestContext?.requestId;
    let res: HttpResponse;
    let refused: Refused | undefined;
    let req: HttpRequest | undefined;
    try {
      try {
        req = fromApiGateway(event);
        res = await app(req);
        const facts = refusalOf(res);
        if (facts || res.status === 401 || res.status === 403) refused = { status: res.status, ...(facts ? { facts } : {}) };
      } catch (err) {
        res = renderError(err, envelopeOf(req), deps.logger, requestId, req);
        const facts = refusalOf(err);
        if (facts || res.status === 401 || res.status === 403) {
          const exposed = err instanceof AppError && err.expose ? { code: err.code, message: err.message } : {};
          refused = { status: res.status, ...exposed, ...(facts ? { facts } : {}) };
        }
      }
      // Traced before the answer leaves, never after: Lambda freezes the process after the response.
      if (refused) await traceRefusal(deps, refusals, event, refused);
    } finally {
      // Best-effort writes started during the request finish before the answer leaves: Lambda
      // freezes the process after the response (docs/reference/DESIGN.md: nothing is written after it).
      await deps.repos.settle();
      deps.logger.removeKeys(['requestId', 'routeKey']);
    }
    return toApiGateway(res);
  };
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .before((request) => {
      deps.logger.appendKeys({ requestId: request.event.requestContext?.requestId, routeKey: request.event.routeKey });
    })
    .handler(core) as unknown as LambdaHandler;
}

/**
 * Every refusal is traced (docs/reference/DESIGN.md, invariants; review #6): a WARN line `refusal`, a `Refusals`
 * metric by (group, cause), and — when the refusing code named a workspace known to exist — a
 * `<area>.refused` audit record there, aggregated per (workspace, cause, source IP, hour) by the
 * refusal repository. Nothing here may change the answer: a failure to record is logged and the
 * refusal is answered as it would have been.
 */
async function traceRefusal(deps: Deps, repo: RefusalRepo, event: APIGatewayProxyEventV2, r: Refused): Promise<void> {
  const group = GROUP_OF_ROUTE.get(event.routeKey) ?? 'unknown';
  const cause = r.facts?.cause ?? defaultCause(group, r.status, r.code);
  const detail = redactRefusalDetail(r.facts?.detail);
  const sourceIp = event.requestContext?.http?.sourceIp || 'unknown';
  const userAgent = redactRefusalString(event.requestContext?.http?.userAgent ?? '');
  const requestId = event.requestContext?.requestId ?? '';
  const message = r.message === undefined ? undefined : redactRefusalString(r.message);
  const teamId = r.facts?.teamId;
  try {
    deps.logger.warn('refusal', {
      group,
      route: event.routeKey,
      status: r.status,
      code: r.code ?? null,
      cause,
      teamId: teamId ?? null,
      sourceIp,
      userAgent,
      requestId,
      ...(message !== undefined ? { reason: message } : {}),
      detail,
    });
    emitRefusalMetric(deps, group, cause);
  } catch (err) {
    deps.logger.error('could not log a refusal', { cause, requestId, error: err as Error });
  }
  if (!teamId) return;
  try {
    const at = deps.now();
    const bucket = refusalBucketOf(teamId, cause, sourceIp, at.getTime());
    const actor: Actor = r.facts?.actor ?? { type: 'anonymous', id: sourceIp };
    await repo.record({ teamId, region: deps.config.REGION_ID, actor, source: { ip: sourceIp, userAgent }, requestId }, bucket, {
      action: `${refusalArea(cause)}.refused`,
      target: { type: 'refusal_bucket', id: refusalBucketName(bucket) },
      before: null,
      after: {
        ...detail,
        cause,
        message: message ?? null,
        status: r.status,
        // Later refusals of this bucket are counted on the bucket item, not recorded again.
        window: `${new Date(refusalWindow(at.getTime()).startMs).toISOString()}/PT1H`,
      },
    });
  } catch (err) {
    deps.logger.error('could not record a refusal', { cause, teamId, requestId, error: err as Error });
  }
}

/**
 * One `Refusals` count with dimensions (service, group, cause). Dimensions belong to the Metrics
 * instance, not to a metric, so they are added, stored and flushed in one synchronous block:
 * concurrent requests of the in-process local server cannot interleave. On AWS the EMF line goes to
 * stdout (CloudWatch turns it into the metric); locally it goes through the logger at DEBUG, so
 * `npm start` stays quiet and tests can still read it.
 */
export function emitRefusalMetric(deps: Pick<Deps, 'metrics' | 'logger' | 'config'>, group: string, cause: string): void {
  const m = deps.metrics;
  m.addDimensions({ group, cause });
  m.addMetric('Refusals', MetricUnit.Count, 1);
  if (deps.config.LOCAL_MODE) {
    const emf = m.serializeMetrics();
    m.clearMetrics();
    m.clearDimensions();
    deps.logger.debug('metrics', { emf });
  } else {
    m.publishStoredMetrics();
  }
}
