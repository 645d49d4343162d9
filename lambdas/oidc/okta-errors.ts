import * as oidc from 'openid-client';
import { SignInRefused } from '../signin/index.js';

/** The IdP's descriptions are shown on our page (escaped); cap what we repeat. */
const MAX_DESCRIPTION = 300;

function quote(description: string | undefined, idp: string): string {
  const d = (description ?? '').replace(/\s+/g, ' ').trim().slice(0, MAX_DESCRIPTION);
  return d ? ` ${idp} said: "${d}"` : '';
}

/**
 * An error the IdP sent back to the redirect URI (RFC 6749 §4.1.2.1) as the refusal the user sees.
 * The cases of the seeds' troubleshooting tables get their own codes: an unassigned user (Okta's
 * `access_denied`, "User is not assigned to the client application."; Entra's AADSTS50105) and a
 * redirect URI that does not match the region's callback URL. `idp` names the IdP in the text.
 */
export function refusalFromOktaError(error: string, description: string | undefined, idp = 'Okta'): SignInRefused {
  const d = description ?? '';
  if (error === 'access_denied' && /not assigned|AADSTS50105/i.test(d)) {
    return new SignInRefused('user_not_assigned', `${idp} refused the sign-in because the user is not assigned to this app.${quote(d, idp)}`);
  }
  if (/redirect_uri|redirect uri/i.test(d)) {
    return new SignInRefused('redirect_uri_mismatch', `${idp} refused the redirect URI.${quote(d, idp)}`);
  }
  if (error === 'invalid_client' || error === 'unauthorized_client') {
    return new SignInRefused('invalid_client', `${idp} does not accept this workspace's client (${error}).${quote(d, idp)}`);
  }
  return new SignInRefused('idp_error', `${idp} answered ${error.slice(0, 64)}.${quote(d, idp)}`);
}

/**
 * A failure of the code exchange (openid-client) as the refusal the user sees: the IdP's token
 * endpoint errors, the ID token claim checks openid-client runs, and network trouble. Anything
 * else is a bug of ours and is rethrown (the caller renders it as `server_error` and logs it).
 */
export function refusalFromGrantError(err: unknown, idp = 'Okta'): SignInRefused {
  if (err instanceof SignInRefused) return err;
  if (err instanceof oidc.ResponseBodyError || err instanceof oidc.AuthorizationResponseError) {
    return refusalFromOktaError(err.error, err.error_description, idp);
  }
  if (err instanceof oidc.WWWAuthenticateChallengeError) {
    // RFC 6749 §5.2: a failed client authentication may come as a 401 challenge instead of a body.
    const challenge = err.cause[0]?.parameters;
    return refusalFromOktaError(challenge?.error ?? 'invalid_client', challenge?.error_description, idp);
  }
  if (err instanceof oidc.ClientError) {
    const inner = err.cause instanceof Error ? err.cause.message : err.message;
    switch (err.code) {
      case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
      case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED':
        return new SignInRefused('invalid_id_token', `The ID token failed validation: ${inner}.`, {}, { cause: err });
      case 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED':
        // RFC 9207: the authorization response's `iss` is not the workspace's org (mix-up defence).
        return new SignInRefused('idp_error', `The sign-in response did not come from the connection's ${idp} issuer: ${inner}.`, {}, { cause: err });
      case 'OAUTH_INVALID_RESPONSE':
      case 'OAUTH_PARSE_ERROR':
      case 'OAUTH_RESPONSE_IS_NOT_JSON':
      case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
        // The ID token is the only JWT in a token response.
        return new SignInRefused(/JWT|id_token|ID Token/i.test(inner) ? 'invalid_id_token' : 'idp_error', `${idp}'s token response was invalid: ${inner}.`, {}, { cause: err });
      default:
        return new SignInRefused('idp_error', `The code exchange with ${idp} failed: ${inner}.`, {}, { cause: err });
    }
  }
  const name = (err as { name?: string } | null)?.name;
  if (err instanceof TypeError || name === 'AbortError' || name === 'TimeoutError') {
    return new SignInRefused('idp_unreachable', `${idp}'s token endpoint could not be reached.`, {}, { cause: err });
  }
  throw err;
}
