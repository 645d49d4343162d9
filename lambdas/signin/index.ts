/**
 * The protocol-independent sign-in core. The OIDC and SAML adapters validate their IdP's response
 * and call `completeSignIn`; they throw `SignInRefused` for their own refusals and render them with
 * `refusalResponse`, so every refusal looks and is audited the same way.
 */
export { completeSignIn, connectionDisabled, signInPolicy, type SignInAssertion, type SignInPolicy } from './complete.js';
export { renderChooser, type ChooserOption } from './chooser.js';
export { idpLabel } from './idp-label.js';
export { refusalResponse } from './refuse.js';
export { REFUSALS, SignInRefused, type RefusalCode, type RefusalSubject } from './refusals.js';
export { checkReturnTo, returnToUrl } from './return-to.js';
export {
  APP_SESSION_TTL_SECONDS,
  BRIDGE_SESSION_TTL_SECONDS,
  SESSION_COOKIE,
  clearSessionCookie,
  readCookie,
  sessionCookie,
  sessionFromCookie,
  type CookieSession,
  type SessionMeta,
} from './session.js';
export { openWithCode, sealWithCode, SSO_CODE_TTL_SECONDS } from './sso-code.js';
