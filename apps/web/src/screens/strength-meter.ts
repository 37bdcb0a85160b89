/** The password strength meter: a bar of four segments and one line of advice. */
import { h } from "preact";
import type { Strength } from "../backup/strength.ts";

export function StrengthMeter(p: { strength: Strength | undefined; id: string }) {
  const s = p.strength;
  const score = s ? s.score : 0;
  return h(
    "div",
    { class: "strength", id: p.id },
    h(
      "div",
      {
        class: `strength-bar score-${s ? score : "none"}`,
        role: "meter",
        "aria-label": "Password strength",
        "aria-valuemin": 0,
        "aria-valuemax": 4,
        "aria-valuenow": score,
        "aria-valuetext": s?.label ?? "Not rated yet",
      },
      [1, 2, 3, 4].map((i) => h("span", { key: i, class: i <= score ? "on" : "" })),
    ),
    // Fixed two lines of text: typing never moves the fields below.
    h("p", { class: "strength-text" }, s ? h("strong", null, s.label) : "\u00a0", s?.hint ? ` — ${s.hint}` : ""),
  );
}
