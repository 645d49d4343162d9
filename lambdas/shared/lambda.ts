import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { getDeps, type Deps } from './deps.js';
import { fromApiGateway, toApiGateway, type HttpRequest, type HttpResponse } from './http.js';
import { renderError, type Envelope } from './respond.js';

/** An endpoint group's pure core: a typed request in, a response out. Errors are thrown. */
export type App = (req: HttpRequest) => Promise<HttpResponse>;

export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * Assembles a group's Lambda handler: dependencies once per cold start, the API Gateway adapter,
 * request-scoped logging, and the group's error envelope in one place.
 */
export function makeHandler(envelope: Envelope, build: (deps: Deps) => App): LambdaHandler {
  const deps = getDeps();
  const app = build(deps);
  const core = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const requestId = event.requestContext?.requestId;
    try {
      const req = fromApiGateway(event);
      return toApiGateway(await app(req));
    } catch (err) {
      return toApiGateway(renderError(err, envelope, deps.logger, requestId));
    } finally {
      // Best-effort writes started during the request finish before the answer leaves: Lambda
      // freezes the process after the response (DESIGN.md: nothing is written after it).
      await deps.db.settle();
      deps.logger.removeKeys(['requestId', 'routeKey']);
    }
  };
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .before((request) => {
      deps.logger.appendKeys({ requestId: request.event.requestContext?.requestId, routeKey: request.event.routeKey });
    })
    .handler(core) as unknown as LambdaHandler;
}
