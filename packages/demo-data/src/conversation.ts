/**
 * The message stream: who writes next, in which chat, what, and after how long.
 * People talk in bursts, so a chat keeps the floor for a few messages (short gaps), then
 * activity jumps to another chat picked by a Zipf law over chat activity (long gap).
 */
import { MessageStatus } from "./schema.ts";
import type { MessageRow } from "./schema.ts";
import { Zipf } from "./prng.ts";
import type { Rng } from "./prng.ts";
import type { ChatInfo } from "./people.ts";
import { messageText } from "./vocabulary.ts";

/** Chance that the next message moves to another chat (mean burst ≈ 6–7 messages). */
const SWITCH_CHANCE = 0.15;
/** Gap inside a burst, as a fraction of the mean gap. */
const BURST_GAP = 0.1;
/** Gap when switching chats, chosen so the overall mean gap is 1. */
const SWITCH_GAP = (1 - (1 - SWITCH_CHANCE) * BURST_GAP) / SWITCH_CHANCE;

/** Generates message rows one after another. */
export class Conversation {
  private readonly chatRank: Zipf;
  private current: ChatInfo;
  private lastTimestamp: number;

  /**
   * @param chatsByActivity chats, most active first
   * @param startMs the first message comes after this time
   * @param meanGapMs mean time between two messages
   * @param lastIdByChat latest message id per chat, for quotes (kept up to date)
   */
  constructor(
    private readonly rng: Rng,
    private readonly chatsByActivity: readonly ChatInfo[],
    startMs: number,
    private readonly meanGapMs: number,
    private readonly lastIdByChat = new Map<number, number>(),
  ) {
    if (chatsByActivity.length === 0) throw new RangeError("chatsByActivity must not be empty");
    this.chatRank = new Zipf(chatsByActivity.length);
    this.current = chatsByActivity[this.chatRank.sample(rng)]!;
    this.lastTimestamp = startMs;
  }

  /**
   * The next message, with id `id`. An outgoing message is `pending` when the other side
   * has not read it yet (status sent/delivered, as for the newest messages); otherwise read.
   */
  next(id: number, pending: boolean): MessageRow {
    const rng = this.rng;
    let gap = BURST_GAP;
    if (rng.chance(SWITCH_CHANCE)) {
      this.current = this.chatsByActivity[this.chatRank.sample(rng)]!;
      gap = SWITCH_GAP;
    }
    const chat = this.current;
    const timestamp = Math.max(this.lastTimestamp + 1, Math.round(this.lastTimestamp + rng.exponential(gap * this.meanGapMs)));
    this.lastTimestamp = timestamp;

    const fromMe = rng.chance(0.4);
    let sender: string | null = null;
    if (!fromMe) {
      const members = chat.memberJids;
      // A few members of a group write most of its messages.
      sender = members.length === 0 ? null : members[Math.floor(members.length * rng.float() ** 2)]!;
    }
    let status: number = MessageStatus.received;
    if (fromMe) status = pending ? rng.pick([MessageStatus.sent, MessageStatus.delivered]) : MessageStatus.read;
    const previous = this.lastIdByChat.get(chat.id);
    const quoted = previous !== undefined && rng.chance(0.04) ? previous : null;
    this.lastIdByChat.set(chat.id, id);
    return {
      id,
      chat_id: chat.id,
      from_me: fromMe ? 1 : 0,
      sender_jid: sender,
      timestamp,
      text: messageText(rng),
      status,
      media_id: null,
      quoted_id: quoted,
    };
  }

  /** Latest message id per chat id, including the ones this stream produced. */
  latestIds(): ReadonlyMap<number, number> {
    return this.lastIdByChat;
  }
}
