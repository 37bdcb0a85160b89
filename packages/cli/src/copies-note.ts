/**
 * Which copies of the chats a chatvault backup's encryption does not cover (the WhatsApp
 * article's iOS note, in this tool's terms), for `init` and `status`.
 */
export const NOT_COVERED = [
  "the chat database and media on this machine (and on the phone they came from)",
  "backups of this machine made by its system or cloud (Time Machine, iCloud, Google, a snapshotting file system)",
  "copies made by any other backup or sync tool",
] as const;

export const NOT_COVERED_LINE = `Not end-to-end encrypted: only this backup is. Other copies of the chats are not protected by it: ${NOT_COVERED.join("; ")}.`;
