/**
 * Password strength, by the same rule as the CLI (packages/cli/src/password-strength.ts):
 * at least 8 characters and a zxcvbn score of 2 or more. The vault limits online guesses,
 * but whoever holds its database can still guess offline against the OPAQUE record (slowed
 * by Argon2id), so a guessable password is refused, not just flagged. zxcvbn and its
 * dictionaries load when the password screen opens, not with the app.
 */
export const MIN_PASSWORD_LENGTH = 8;

export interface Strength {
  /** 0 (guessable) … 4 (very strong). */
  score: number;
  acceptable: boolean;
  label: string;
  /** One hint for the user, or "". */
  hint: string;
}

const LABELS = ["Very weak", "Weak", "Fair", "Strong", "Very strong"];

const WARNINGS: Record<string, string> = {
  straightRow: "Straight rows of keys are easy to guess.",
  keyPattern: "Short keyboard patterns are easy to guess.",
  simpleRepeat: 'Repeated characters like "aaa" are easy to guess.',
  extendedRepeat: 'Repeated patterns like "abcabc" are easy to guess.',
  sequences: 'Sequences like "abc" or "6543" are easy to guess.',
  recentYears: "Recent years are easy to guess.",
  dates: "Dates are easy to guess.",
  topTen: "This is one of the most used passwords.",
  topHundred: "This is one of the most used passwords.",
  common: "This is a commonly used password.",
  similarToCommon: "This is similar to a commonly used password.",
  wordByItself: "A single word is easy to guess.",
  namesByThemselves: "A single name is easy to guess.",
  commonNames: "Common names are easy to guess.",
};

type Zxcvbn = (password: string) => { score: number; feedback: { warning: string | null } };
let loading: Promise<Zxcvbn> | undefined;

export function loadStrengthChecker(): Promise<Zxcvbn> {
  loading ??= (async () => {
    const [core, common] = await Promise.all([import("@zxcvbn-ts/core"), import("@zxcvbn-ts/language-common")]);
    core.zxcvbnOptions.setOptions({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });
    return (p: string) => core.zxcvbn(p) as ReturnType<Zxcvbn>;
  })();
  return loading;
}

export function assess(zxcvbn: Zxcvbn, password: string): Strength {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    return { score: 0, acceptable: false, label: "Too short", hint: `Use at least ${MIN_PASSWORD_LENGTH} characters; several words work well.` };
  }
  const r = zxcvbn(password);
  const warning = r.feedback.warning ? (WARNINGS[r.feedback.warning] ?? "") : "";
  return {
    score: r.score,
    acceptable: r.score >= 2,
    label: LABELS[r.score] ?? "",
    hint: r.score >= 2 ? warning : warning || "Add more words that are less common.",
  };
}
