/**
 * The app's building blocks. Views call Preact's `h` directly (no JSX transform, so the
 * workspace's one TypeScript config checks them as plain .ts). Every control has a label,
 * every screen an `h1` that takes focus when it opens (screen readers announce the new
 * screen; keyboard users start at its top).
 */
import { type ButtonHTMLAttributes, type ComponentChildren, h } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { Icon, type IconName } from "./icons.ts";

export function Screen(p: { title: string; back?: string; children?: ComponentChildren; actions?: ComponentChildren; id?: string; focusHeading?: boolean }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const focus = p.focusHeading ?? true;
  // Layout effect: the focus moves before the new screen is painted, not a frame later.
  // (Side by side, the chat list leaves the focus to the screen opened beside it.)
  useLayoutEffect(() => void (focus && heading.current?.focus()), [p.title, focus]);
  return h(
    "div",
    { class: "screen", id: p.id },
    h(
      "header",
      { class: "top-bar" },
      p.back !== undefined ? h("a", { class: "back", href: `#${p.back}`, "aria-label": "Back" }, "‹") : null,
      h("h1", { ref: heading, tabIndex: -1 }, p.title),
      p.actions ? h("div", { class: "top-actions" }, p.actions) : null,
    ),
    h("main", { class: "content" }, p.children),
  );
}

type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & { kind?: "primary" | "secondary" | "danger" | "link" };

export function Button({ kind = "primary", type = "button", ...rest }: ButtonProps) {
  return h("button", { ...rest, type, class: `button ${kind}` });
}

export function Field(p: {
  id: string;
  label: string;
  value: string;
  onInput: (v: string) => void;
  type?: string;
  autoComplete?: string;
  disabled?: boolean;
  hint?: string;
  invalid?: boolean;
  multiline?: boolean;
  inputMode?: "text" | "numeric";
  /** What is wrong with this field's value: shown under it, tied to it, and read out. */
  error?: string;
}) {
  const errorId = `${p.id}-error`;
  const described = [p.error ? errorId : "", p.hint ? `${p.id}-hint` : ""].filter(Boolean).join(" ") || undefined;
  const common = {
    id: p.id,
    value: p.value,
    disabled: p.disabled,
    autoComplete: p.autoComplete,
    "aria-describedby": described,
    "aria-invalid": p.invalid || p.error ? "true" : undefined,
    spellcheck: false,
    autoCapitalize: "off",
    onInput: (e: Event) => p.onInput((e.currentTarget as HTMLInputElement).value),
  };
  return h(
    "div",
    { class: "field" },
    h("label", { for: p.id }, p.label),
    p.multiline ? h("textarea", { ...common, rows: 4, class: "mono" }) : h("input", { ...common, type: p.type ?? "text", inputMode: p.inputMode }),
    p.error ? h("p", { id: errorId, class: "field-error", role: "alert" }, p.error) : null,
    p.hint ? h("p", { id: `${p.id}-hint`, class: "hint" }, p.hint) : null,
  );
}

/**
 * Focus a control by id once the next render is on screen: after a failed attempt the
 * form is enabled again and the keyboard user is back in the field, not on the page body.
 */
export function useFocusLater(): (id: string) => void {
  const [target, setTarget] = useState<{ id: string } | null>(null);
  useEffect(() => {
    if (target) document.getElementById(target.id)?.focus();
  }, [target]);
  return (id) => setTarget({ id });
}

/**
 * Which copies of the chats this backup's encryption does not cover (the article's iOS
 * note, in this app's terms). Shown at setup and on Chat backup.
 */
export function OtherCopiesNote() {
  return h(
    "p",
    { class: "notice info other-copies", role: "note", id: "other-copies" },
    h("strong", null, "Not end-to-end encrypted: "),
    "this protects the chatvault backup only. Other copies of your chats are not protected by it: the chats stored in this browser, " +
      "backups of this device made by the device or its cloud (such as iCloud, Google or Time Machine), and copies made by any other backup tool.",
  );
}

/** Determinate progress with a fixed height: the screen does not move while it runs. */
export function ProgressBar(p: { fraction: number; label: string }) {
  const pct = Math.round(p.fraction * 100);
  return h(
    "div",
    { class: "progress" },
    h(
      "div",
      { class: "progress-track", role: "progressbar", "aria-label": p.label, "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": pct },
      h("div", { class: "progress-fill", style: { width: `${pct}%` } }),
    ),
    h("p", { class: "progress-label" }, h("span", null, p.label), h("span", { class: "num" }, `${pct}%`)),
  );
}

export function Notice(p: { kind: "error" | "info" | "warning" | "success"; children?: ComponentChildren; id?: string }) {
  // Errors interrupt (alert); the rest is announced politely.
  return h("div", { class: `notice ${p.kind}`, id: p.id, role: p.kind === "error" ? "alert" : "status" }, p.children);
}

/** A settings row that opens another screen. */
export function Row(p: { href: string; label: string; detail?: string; icon?: IconName }) {
  return h(
    "a",
    { class: "row", href: `#${p.href}` },
    p.icon ? h("span", { class: "row-icon" }, h(Icon, { name: p.icon })) : null,
    h("span", { class: "row-text" }, h("span", { class: "row-label" }, p.label), p.detail ? h("span", { class: "row-detail" }, p.detail) : null),
    h("span", { class: "chevron", "aria-hidden": "true" }, "›"),
  );
}

/**
 * The account name inside password forms, hidden: password managers file the password
 * under the right account (and Chromium asks for it).
 */
export function HiddenUsername(p: { account: string }) {
  return h("input", { type: "text", name: "username", autoComplete: "username", value: p.account, readOnly: true, hidden: true, tabIndex: -1 });
}

export function Spinner(p: { label: string }) {
  return h("p", { class: "spinner", role: "status" }, h("span", { class: "spin", "aria-hidden": "true" }), p.label);
}
