/**
 * What `init` says about losing the secret (the WhatsApp article's setup warning): the
 * same words for key mode, password mode on one vault and password mode on realms.
 */
export const LOST_PASSWORD_WARNING =
  "If you forget this password, the backup is lost: nobody — not chatvault, not the vault's operator — can reset it or restore the backup for you.";
export const LOST_KEY_WARNING =
  "This key is the only way to restore the backup. Nobody — not chatvault, not your storage provider — can recover it for you. Keep it somewhere safe.";
