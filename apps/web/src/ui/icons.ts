/**
 * Interface icons as inline SVG: they look the same on every phone (emoji depend on the
 * fonts installed) and need nothing from the network. Decorative: hidden from screen
 * readers, the control next to them carries the label.
 */
import { h } from "preact";

const PATHS = {
  lock: "M12 2a5 5 0 0 0-5 5v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5zm-3 8V7a3 3 0 0 1 6 0v3H9zm3 4a2 2 0 0 1 1 3.73V19h-2v-1.27A2 2 0 0 1 12 14z",
  cloud: "M19 19H6.5a4.5 4.5 0 0 1-.9-8.91A6.5 6.5 0 0 1 18.2 9.1 5 5 0 0 1 19 19z",
  chat: "M5 3h14a3 3 0 0 1 3 3v9a3 3 0 0 1-3 3H9l-5 4v-4.2A3 3 0 0 1 2 15V6a3 3 0 0 1 3-3z",
  key: "M7.5 15.5a4.5 4.5 0 1 1 4.24-6H22v3h-2.5v3h-3v-3h-4.76a4.5 4.5 0 0 1-4.24 3zm0-2.5a2 2 0 1 0 0-4 2 2 0 0 0 0 4z",
  power: "M11 2h2v10h-2zM5.64 5.64l1.42 1.42a7 7 0 1 0 9.9 0l1.41-1.42A9 9 0 1 1 5.64 5.64z",
  check: "M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20zm-1.5 14.5 7-7-1.4-1.4-5.6 5.6-2.6-2.6-1.4 1.4z",
  menu: "M12 4a2 2 0 1 1 0 4 2 2 0 0 1 0-4zm0 6a2 2 0 1 1 0 4 2 2 0 0 1 0-4zm0 6a2 2 0 1 1 0 4 2 2 0 0 1 0-4z",
  photo: "M4 4h16a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm1 13h14l-4.5-6-3.5 4.5-2.5-3z",
} as const;

export type IconName = keyof typeof PATHS;

export function Icon(p: { name: IconName; size?: number }) {
  const size = p.size ?? 24;
  return h(
    "svg",
    { class: "icon", width: size, height: size, viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false" },
    h("path", { d: PATHS[p.name], fill: "currentColor" }),
  );
}
