/**
 * Password strength feedback (zxcvbn-ts, common dictionaries). The vault limits online
 * guesses, but whoever holds the vault's database can still guess offline against the
 * OPAQUE record (slowed by Argon2id), so a guessable password is refused, not just flagged.
 */
import { zxcvbn, zxcvbnOptions } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";

// English wording for zxcvbn's feedback keys (the package ships keys, not sentences).
const translations = {
  warnings: {
    straightRow: "straight rows of keys are easy to guess",
    keyPattern: "short keyboard patterns are easy to guess",
    simpleRepeat: 'repeated characters like "aaa" are easy to guess',
    extendedRepeat: 'repeated patterns like "abcabcabc" are easy to guess',
    sequences: 'sequences like "abc" or "6543" are easy to guess',
    recentYears: "recent years are easy to guess",
    dates: "dates are easy to guess",
    topTen: "this is one of the ten most used passwords",
    topHundred: "this is one of the hundred most used passwords",
    common: "this is a commonly used password",
    similarToCommon: "this is similar to a commonly used password",
    wordByItself: "a single word is easy to guess",
    namesByThemselves: "a single name or surname is easy to guess",
    commonNames: "common names and surnames are easy to guess",
    userInputs: "avoid personal or site-related words",
    pwned: "this password appeared in a data breach",
  },
  suggestions: {
    l33t: "avoid predictable letter substitutions like '@' for 'a'",
    reverseWords: "avoid reversed spellings of common words",
    allUppercase: "capitalize some letters, not all",
    capitalization: "capitalize more than the first letter",
    dates: "avoid dates and years that are associated with you",
    recentYears: "avoid recent years",
    associatedYears: "avoid years that are associated with you",
    sequences: "avoid common character sequences",
    repeated: "avoid repeated words and characters",
    longerKeyboardPattern: "use longer keyboard patterns and change typing direction",
    anotherWord: "add more words that are less common",
    useWords: "use several words, but avoid common phrases",
    noNeed: "you can make strong passwords without symbols, numbers or capitals",
    pwned: "if you use this password elsewhere, change it there",
  },
  timeEstimation: {
    ltSecond: "less than a second",
    second: "{base} second",
    seconds: "{base} seconds",
    minute: "{base} minute",
    minutes: "{base} minutes",
    hour: "{base} hour",
    hours: "{base} hours",
    day: "{base} day",
    days: "{base} days",
    month: "{base} month",
    months: "{base} months",
    year: "{base} year",
    years: "{base} years",
    centuries: "centuries",
  },
};

let configured = false;
function setup(): void {
  if (configured) return;
  zxcvbnOptions.setOptions({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs, translations });
  configured = true;
}

export const MIN_PASSWORD_LENGTH = 8;

export interface Strength {
  /** 0 (guessable) … 4 (very strong). */
  score: number;
  /** False when the password must be refused. */
  acceptable: boolean;
  /** One line for the user, e.g. "weak: this is a commonly used password — add more words that are less common". */
  summary: string;
}

const LABEL = ["very weak", "weak", "fair", "strong", "very strong"];

export function assessPassword(password: string): Strength {
  setup();
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    return { score: 0, acceptable: false, summary: `too short: use at least ${MIN_PASSWORD_LENGTH} characters (several words work well)` };
  }
  const r = zxcvbn(password);
  const tips = [r.feedback.warning, ...r.feedback.suggestions].filter((x): x is string => !!x);
  const detail = tips.length ? ` — ${tips.join("; ")}` : "";
  return {
    score: r.score,
    acceptable: r.score >= 2,
    summary: `${LABEL[r.score]}${r.score >= 2 ? ` (offline guessing would take ${r.crackTimesDisplay.offlineSlowHashing1e4PerSecond})` : ""}${detail}`,
  };
}
