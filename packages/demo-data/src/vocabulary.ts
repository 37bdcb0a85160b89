/**
 * Built-in chat vocabulary and message-text generator. Words are listed roughly by
 * frequency and drawn with a Zipf law, so text compresses and repeats the way real chat
 * text does (many "ok", "lol", "see you", few long words). Mixed languages and scripts
 * on purpose: real message databases are full of multi-byte UTF-8.
 */
import { Zipf } from "./prng.ts";
import type { Rng } from "./prng.ts";

const WORDS: readonly string[] = // English chat, most frequent first
  (
    "i you the to a and it is ok that in yes no lol me my we u what for so haha on be " +
    "just have are do can not this but with now will at see how going too there know " +
    "yeah good get was love thanks like here come time where when tomorrow today home " +
    "think one all back later sure why need want call he she they them it's i'm don't " +
    "can't maybe okay tonight morning night work already still really send did nice " +
    "happy sorry wait let's go out well right then about from up great soon pls omg " +
    "coming done food dinner lunch coffee meeting office train bus car late early " +
    "weekend monday friday birthday photo video link music movie game kids mom dad " +
    "brother sister friend party beach rain weather cold hot tired sleep miss you've " +
    "message phone battery charger address minutes hours almost problem idea plan " +
    "ticket airport hotel money shopping groceries doctor school homework exam " +
    // Spanish / Portuguese
    "hola gracias sí que bueno vale mañana hoy casa dónde cuándo nos vemos jaja " +
    "besos abrazo oye claro perfecto luego ahora también mucho amigo amiga fiesta " +
    "olá obrigado obrigada tudo bem beleza saudade amanhã hoje então gente valeu " +
    "kkkk até logo beijo comida trabalho " +
    // German / French / Italian / Dutch
    "hallo danke ja nein gut morgen heute bis später genau doch schon alles klar " +
    "bonjour merci oui non demain ce soir d'accord bisous salut ça va à plus " +
    "ciao grazie domani stasera va bene allora dai hoi dank je wel tot straks " +
    // Turkish / Indonesian / Swahili
    "merhaba teşekkürler tamam yarın evet selam terima kasih besok sampai jumpa " +
    "habari asante sawa kesho " +
    // Cyrillic, Devanagari, Arabic, Greek, CJK, Thai
    "привет спасибо да нет хорошо завтра сегодня дома пока ладно " +
    "नमस्ते धन्यवाद हाँ नहीं ठीक कल आज घर चलो " +
    "مرحبا شكرا نعم لا تمام بكرة اليوم إن_شاء_الله " +
    "γεια ευχαριστώ ναι όχι αύριο " +
    "你好 谢谢 是的 明天 今天 好的 こんにちは ありがとう はい 明日 안녕하세요 감사합니다 네 내일 " +
    "สวัสดี ขอบคุณ ครับ ค่ะ พรุ่งนี้"
  )
    .split(" ")
    .map((w) => w.replace(/_/g, " "));

const EMOJI: readonly string[] = [
  "😂",
  "❤️",
  "👍",
  "🙏",
  "😊",
  "😭",
  "😍",
  "🔥",
  "🎉",
  "😅",
  "🤣",
  "😘",
  "👌",
  "🙈",
  "😎",
  "🥰",
  "💪",
  "👏",
  "😢",
  "🤔",
  "🙌",
  "✨",
  "🎂",
  "☕",
  "🍕",
  "🚗",
  "✈️",
  "🏖️",
  "👨‍👩‍👧",
  "🇧🇷",
];

const wordRank = new Zipf(WORDS.length, 0.9);
const emojiRank = new Zipf(EMOJI.length, 1.2);

/**
 * A message length in UTF-16 code units: mostly short (5–80), one in ten medium
 * (80–600), a long tail of pasted text up to ~4,000.
 */
export function messageLength(rng: Rng): number {
  const u = rng.float();
  if (u < 0.89) return 5 + Math.floor(75 * Math.pow(rng.float(), 1.6));
  if (u < 0.994) return Math.floor(rng.logUniform(80, 600));
  return Math.floor(rng.logUniform(600, 4000));
}

/** One random word (or emoji) from the built-in vocabulary. */
export function word(rng: Rng): string {
  return rng.chance(0.06) ? EMOJI[emojiRank.sample(rng)]! : WORDS[wordRank.sample(rng)]!;
}

/** Chat text of roughly `length` code units: words, occasional punctuation and emoji. */
export function messageText(rng: Rng, length = messageLength(rng)): string {
  const parts: string[] = [];
  let size = 0;
  let sentenceStart = true;
  while (size < length) {
    let w = word(rng);
    if (sentenceStart && rng.chance(0.5)) w = w.charAt(0).toUpperCase() + w.slice(1);
    sentenceStart = false;
    if (rng.chance(0.08)) {
      w += rng.pick([".", "!", "?", "...", ",", "!!"]);
      sentenceStart = w.endsWith(",") ? false : true;
    }
    parts.push(w);
    size += w.length + 1;
  }
  if (rng.chance(0.12)) parts.push(EMOJI[emojiRank.sample(rng)]!);
  return parts.join(" ");
}

/** A display name for a contact or a group subject. */
export function displayName(rng: Rng, group: boolean): string {
  if (group) {
    const topic = rng.pick([
      "Family",
      "Football",
      "Book club",
      "Work",
      "Flat",
      "Trip",
      "Class of 2015",
      "Neighbours",
      "Running",
      "Birthday",
      "Família",
      "Amigos",
      "Familie",
      "Семья",
      "परिवार",
      "Climbing",
    ]);
    return rng.chance(0.4) ? `${topic} ${EMOJI[emojiRank.sample(rng)]!}` : topic;
  }
  const first = rng.pick([
    "Ana",
    "Ben",
    "Carla",
    "Deepak",
    "Elif",
    "Fatima",
    "Giulia",
    "Hiro",
    "Ines",
    "Jonas",
    "Kwame",
    "Lena",
    "Mateo",
    "Nadia",
    "Olga",
    "Pedro",
    "Quynh",
    "Rahul",
    "Sofia",
    "Tomás",
    "Uma",
    "Víctor",
    "Wei",
    "Yusuf",
    "Zoë",
    "Mum",
    "Dad",
    "Анна",
    "राहुल",
    "محمد",
    "美咲",
  ]);
  return rng.chance(0.6) ? `${first} ${rng.pick(["S.", "Silva", "Müller", "Kaya", "Ng", "Okafor", "Rossi", "Dubois", "Kowalski", "Sato"])}` : first;
}
