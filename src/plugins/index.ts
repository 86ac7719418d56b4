/**
 * The built-in plugins, in the order they are applied. Each uses exactly the API a team plugin
 * uses; order inside a hook comes from stages, not from this list.
 */
import type { VswPlugin } from "../plugin.js";
import { keystoreCache } from "./cache/keystore-cache.js";
import { awsConfig } from "./config/aws-config.js";
import { documentFormats } from "./format/documents.js";
import { envFormat } from "./format/env.js";
import { fileKeystore } from "./keystore/file.js";
import { keychainKeystore } from "./keystore/keychain.js";
import { passKeystore } from "./keystore/pass.js";
import { loginCommand } from "./login/login.js";
import { flagMfa } from "./mfa/flag.js";
import { processMfa } from "./mfa/process.js";
import { promptMfa } from "./mfa/prompt.js";
import { totpMfa } from "./mfa/totp.js";
import { ykmanMfa } from "./mfa/ykman.js";
import { rotateCommand } from "./rotate/rotate.js";
import { ecsServer } from "./server/exec-server.js";
import { stsSession } from "./session/sts.js";
import { credentialProcessSource } from "./source/credential-process.js";
import { credentialSource } from "./source/credential-source.js";
import { storedKeysSource } from "./source/stored-keys.js";
import { webIdentitySource } from "./source/web-identity.js";
import { ssoSource } from "./sso/sso.js";

/** Options the CLI hands to built-ins. */
export interface BuiltinOptions {
  /** `--mfa-token`. */
  mfaToken?: string | undefined;
}

/** The built-in plugins. */
export function builtinPlugins(options: BuiltinOptions = {}): VswPlugin[] {
  return [
    awsConfig(), // reads ~/.aws/config and ~/.aws/credentials
    fileKeystore(), // the encrypted-file keystore ("file")
    keychainKeystore(), // the OS keychain ("keychain")
    passKeystore(), // the pass password store ("pass")
    storedKeysSource(), // long-lived keys from the keystore
    credentialProcessSource(), // credential_process sources
    webIdentitySource(), // web_identity_token_file / AWS_WEB_IDENTITY_TOKEN_FILE: AssumeRoleWithWebIdentity
    credentialSource(), // credential_source: the environment, container or instance credentials
    ssoSource(), // IAM Identity Center: sso_* profiles, vsw sso login/logout/sync (SDK loaded lazily)
    keystoreCache(), // sessions cached in the keystore (stage CACHE)
    flagMfa({ token: options.mfaToken }), // --mfa-token
    processMfa(), // mfa_process
    totpMfa(), // codes from a TOTP secret kept in the keystore (vsw mfa add)
    ykmanMfa(), // codes from a YubiKey through ykman, for profiles configured to use it
    promptMfa(), // the TTY prompt, last (stage INTERACTIVE)
    stsSession(), // GetSessionToken / AssumeRole with the AWS SDK, loaded lazily
    envFormat(), // env: shell code for bash, zsh, sh, fish, pwsh
    documentFormats(), // json, ini, dotenv
    loginCommand(), // vsw login: a console sign-in URL (the commands hook)
    rotateCommand(), // vsw rotate: a new access key for an IAM user, then the old one deleted
    ecsServer(), // the credentials server of vsw exec --server (a command through the commands hook)
  ];
}
