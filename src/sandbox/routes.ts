/**
 * Non-STS endpoints of the emulator (the SSO portal and OIDC APIs, IAM, the federation endpoint, the
 * instance-metadata and container-credentials stand-ins): each module adds one {@link Route} to
 * {@link ROUTES}. The server asks the routes in order before treating a request as an STS Query call;
 * the first that answers wins.
 */
import type { IncomingMessage } from "node:http";
import type { VirtualClock } from "./clock.js";
import type { SignedRequestParts } from "./sigv4.js";
import type { World } from "./world.js";

/** What a route sees of one request. */
export interface RouteContext {
  readonly req: IncomingMessage;
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  /** The raw query string, without `?`. */
  readonly query: string;
  readonly payload: Buffer;
  /** The request as SigV4 sees it, for routes that authenticate (IAM). */
  readonly parts: SignedRequestParts;
  readonly world: World;
  readonly clock: VirtualClock;
  readonly requestId: string;
}

/** A route's answer; `action` names the call in the emulator's call log. */
export interface RouteReply {
  status: number;
  headers?: Record<string, string>;
  body: string;
  action: string;
  /** The error code of a failed call, for the call log. */
  errorCode?: string;
  callerArn?: string;
}

/** Answers the requests it owns; `undefined` lets the next route (and finally STS) try. */
export type Route = (context: RouteContext) => RouteReply | undefined | Promise<RouteReply | undefined>;

/** The routes, in order. Modules register theirs below, one import each. */
export const ROUTES: Route[] = [];
