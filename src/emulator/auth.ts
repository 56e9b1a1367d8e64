import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { unauthorized } from "./errors";

/** The access token an emulator accepts when no `tokens` option is given. Not a secret. */
export const DEFAULT_EMULATOR_TOKEN = "flashback-emulator-token";

/** `userId` recorded on configurations created with a token that names none. */
export const DEFAULT_USER_ID = "user-emulator";

/** `orgId` recorded on configurations created with a token that names none. */
export const DEFAULT_ORG_ID = "org-emulator";

/** An access token the emulator accepts, with the workspaces it may reach. */
export interface TokenSeed {
  token: string;
  /** Workspace ids this token can access, or `"*"` for all of them. */
  workspaces: string[] | "*";
  userId?: string;
  orgId?: string;
}

/** A refresh token; access tokens issued from it inherit its workspaces and identity. */
export interface RefreshTokenSeed {
  refreshToken: string;
  /** Workspace ids the issued access tokens can access, or `"*"` for all of them. */
  workspaces: string[] | "*";
  userId?: string;
  orgId?: string;
}

const workspacesSchema = z.union([z.literal("*"), z.array(z.string().min(1))]);

/** Runtime check of a {@link TokenSeed} arriving through the control API. */
export const tokenSeedSchema = z.object({
  token: z.string().min(1),
  workspaces: workspacesSchema,
  userId: z.string().min(1).optional(),
  orgId: z.string().min(1).optional(),
}) satisfies z.ZodType<TokenSeed>;

/** Runtime check of a {@link RefreshTokenSeed} arriving through the control API. */
export const refreshTokenSeedSchema = z.object({
  refreshToken: z.string().min(1),
  workspaces: workspacesSchema,
  userId: z.string().min(1).optional(),
  orgId: z.string().min(1).optional(),
}) satisfies z.ZodType<RefreshTokenSeed>;

/** What an authenticated request may do, and who it is. */
export interface Principal {
  workspaces: ReadonlySet<string> | "*";
  userId: string;
  orgId: string;
  /**
   * Identifies the credential for rate limiting. A hash, so that no structure besides the
   * token tables holds a token in clear.
   */
  rateKey: string;
}

/** Answer of `POST /user/refresh`. `expiresAt` is in epoch seconds. */
export interface IssuedToken {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

interface Grant {
  workspaces: ReadonlySet<string> | "*";
  userId: string;
  orgId: string;
}

interface IssuedGrant extends Grant {
  expiresAtMs: number;
}

/** True when the principal may see and change configurations of this workspace. */
export function canAccess(principal: Principal, workspaceId: string): boolean {
  return principal.workspaces === "*" || principal.workspaces.has(workspaceId);
}

/** Accepts the option form of a token: a plain string reaches every workspace. */
export function normalizeTokenSeed(seed: string | TokenSeed): TokenSeed {
  return typeof seed === "string" ? { token: seed, workspaces: "*" } : seed;
}

/** Accepts the option form of a refresh token: a plain string reaches every workspace. */
export function normalizeRefreshTokenSeed(seed: string | RefreshTokenSeed): RefreshTokenSeed {
  return typeof seed === "string" ? { refreshToken: seed, workspaces: "*" } : seed;
}

/** Expired issued tokens are kept this long so a late caller hears "expired", not "unknown". */
const EXPIRED_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * The emulator's bearer tokens: the ones given at start, the ones seeded later, and the
 * short-lived ones issued by `POST /user/refresh`. Error messages say what is wrong with a
 * token but never repeat it.
 */
export class TokenRegistry {
  readonly #startTokens: readonly TokenSeed[];
  readonly #startRefreshTokens: readonly RefreshTokenSeed[];
  readonly #startTtlSeconds: number;
  readonly #tokens = new Map<string, Grant>();
  readonly #refreshTokens = new Map<string, Grant>();
  readonly #issued = new Map<string, IssuedGrant>();
  #ttlSeconds: number;

  /**
   * @param tokens - Access tokens accepted from the start (they never expire).
   * @param refreshTokens - Refresh tokens accepted from the start.
   * @param accessTokenTtlSeconds - Lifetime of tokens issued by refresh.
   */
  constructor(
    tokens: readonly TokenSeed[],
    refreshTokens: readonly RefreshTokenSeed[],
    accessTokenTtlSeconds: number,
  ) {
    this.#startTokens = tokens;
    this.#startRefreshTokens = refreshTokens;
    this.#startTtlSeconds = accessTokenTtlSeconds;
    this.#ttlSeconds = accessTokenTtlSeconds;
    this.reset();
  }

  /** Forgets seeded and issued tokens and the TTL change: back to the start-up state. */
  reset(): void {
    this.#tokens.clear();
    this.#refreshTokens.clear();
    this.#issued.clear();
    this.#ttlSeconds = this.#startTtlSeconds;
    this.addTokens(this.#startTokens);
    this.addRefreshTokens(this.#startRefreshTokens);
  }

  /** Accepts more access tokens (a token seeded twice takes the later grant). */
  addTokens(seeds: readonly TokenSeed[]): void {
    for (const seed of seeds) this.#tokens.set(seed.token, toGrant(seed));
  }

  /** Accepts more refresh tokens. */
  addRefreshTokens(seeds: readonly RefreshTokenSeed[]): void {
    for (const seed of seeds) this.#refreshTokens.set(seed.refreshToken, toGrant(seed));
  }

  /** Stops accepting these access or refresh tokens (start-up ones too, until the next reset). */
  revoke(tokens: readonly string[]): void {
    for (const token of tokens) {
      this.#tokens.delete(token);
      this.#refreshTokens.delete(token);
      this.#issued.delete(token);
    }
  }

  /** Lifetime of access tokens issued from now on. */
  set accessTokenTtlSeconds(seconds: number) {
    this.#ttlSeconds = seconds;
  }

  /** The start-up tokens, for the CLI banner. */
  get startTokens(): readonly string[] {
    return this.#startTokens.map((t) => t.token);
  }

  /** Checks an `Authorization` header; 401 saying whether the token is missing, unknown or expired. */
  authenticate(authorization: string | undefined, now: number = Date.now()): Principal {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "");
    if (!match) {
      throw unauthorized("Missing bearer token: send the header 'Authorization: Bearer <access-token>'");
    }
    const token = match[1];
    const issued = this.#issued.get(token);
    if (issued && now >= issued.expiresAtMs) {
      throw unauthorized("Access token expired: obtain a new one from POST /user/refresh");
    }
    const grant = this.#tokens.get(token) ?? issued;
    if (!grant) throw unauthorized("Unknown access token");
    return { ...grant, rateKey: rateKeyOf(token) };
  }

  /** The principal a refresh token stands for (for rate limiting), or a 401. */
  refreshPrincipal(refreshToken: string): Principal {
    const grant = this.#refreshTokens.get(refreshToken);
    if (!grant) throw unauthorized("Unknown refresh token");
    return { ...grant, rateKey: rateKeyOf(refreshToken) };
  }

  /**
   * Issues a new access token for a refresh token. The refresh token is returned unchanged
   * (not rotated). `expiresAt` is rounded down to whole seconds, so a client that refreshes
   * when its clock reaches it is never late.
   */
  refresh(refreshToken: string, now: number = Date.now()): IssuedToken {
    const grant = this.#refreshTokens.get(refreshToken);
    if (!grant) throw unauthorized("Unknown refresh token");
    this.#pruneExpired(now);
    const accessToken = `emu_at_${randomBytes(24).toString("hex")}`;
    const expiresAtMs = now + this.#ttlSeconds * 1000;
    this.#issued.set(accessToken, { ...grant, expiresAtMs });
    return { accessToken, refreshToken, expiresAt: Math.floor(expiresAtMs / 1000) };
  }

  #pruneExpired(now: number): void {
    for (const [token, grant] of this.#issued) {
      if (grant.expiresAtMs + EXPIRED_RETENTION_MS < now) this.#issued.delete(token);
    }
  }
}

function toGrant(seed: TokenSeed | RefreshTokenSeed): Grant {
  return {
    workspaces: seed.workspaces === "*" ? "*" : new Set(seed.workspaces),
    userId: seed.userId ?? DEFAULT_USER_ID,
    orgId: seed.orgId ?? DEFAULT_ORG_ID,
  };
}

function rateKeyOf(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}
