/** Two password fields (new + again) with the strength meter, shared by create and change. */
import { type ComponentChildren, h } from "preact";
import { useEffect, useState } from "preact/hooks";
import { type Strength, assess, loadStrengthChecker } from "../backup/strength.ts";
import { Field } from "../ui/components.ts";
import { StrengthMeter } from "./strength-meter.ts";

export interface PasswordPair {
  password: string;
  ok: boolean;
  fields: ComponentChildren;
}

export function usePasswordPair(disabled: boolean, label = "Password"): PasswordPair {
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [checker, setChecker] = useState<Parameters<typeof assess>[0] | undefined>(undefined);
  useEffect(() => void loadStrengthChecker().then((c) => setChecker(() => c)), []);
  const strength: Strength | undefined = checker && password ? assess(checker, password) : undefined;
  const mismatch = again.length > 0 && again !== password;
  const fields = h(
    "div",
    { class: "stack" },
    h(Field, {
      id: "new-password",
      label,
      type: "password",
      value: password,
      onInput: setPassword,
      autoComplete: "new-password",
      disabled,
      hint: "At least 8 characters. A few unrelated words work well.",
    }),
    h(StrengthMeter, { strength, id: "strength" }),
    h(Field, {
      id: "new-password-again",
      label: "Confirm password",
      type: "password",
      value: again,
      onInput: setAgain,
      autoComplete: "new-password",
      disabled,
      invalid: mismatch,
      hint: mismatch ? "The passwords don't match." : "Type it again.",
    }),
  );
  return { password, ok: !!strength?.acceptable && again === password, fields };
}
