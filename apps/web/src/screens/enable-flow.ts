/**
 * State carried across the "turn on" screens (explanation → password or key → ready):
 * whether the user agreed to replace a backup that already exists for the account.
 */
export const enableFlow = { replaceExisting: false };
