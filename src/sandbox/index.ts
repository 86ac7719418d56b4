/**
 * A local AWS STS emulator for tests and demos: real STS XML over HTTP on 127.0.0.1, SigV4
 * verified, MFA by TOTP, a virtual clock for expiry, fault injection and a call log.
 */
export type { VirtualClock } from "./clock.js";
export { StsError } from "./errors.js";
export type { FaultKind, FaultSpec } from "./faults.js";
export type { SessionInfo, StsCall, StsEmulator, StsEmulatorOptions } from "./server.js";
export { startStsEmulator } from "./server.js";
export type { SsoAdmin, SsoAssignment } from "./sso.js";
export {
  base32Decode,
  base32Encode,
  hotp,
  type OtpAlgorithm,
  type TotpOptions,
  totp,
  verifyTotp,
} from "./totp.js";
export type {
  MfaDeviceConfig,
  RoleConfig,
  RoleInfo,
  RoleTrust,
  UserConfig,
  UserCredentials,
} from "./world.js";
export {
  applyWorldConfig,
  type CreatedWorld,
  defaultWorldConfig,
  parseWorldConfig,
  type WorldConfig,
} from "./world-config.js";
