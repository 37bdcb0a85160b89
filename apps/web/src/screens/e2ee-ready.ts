/** The article's "Done": encryption is set up; Done starts the first backup and shows its progress. */
import { h } from "preact";
import { useApp } from "../ui/app-context.ts";
import { Button, Notice, Screen } from "../ui/components.ts";
import { Icon } from "../ui/icons.ts";
import { navigate } from "../ui/router.ts";
import { startBackup } from "./backup.ts";

export function E2eeReadyScreen() {
  const app = useApp();
  return h(
    Screen,
    { title: "End-to-end encrypted backup" },
    h("div", { class: "hero" }, h(Icon, { name: "check", size: 64 })),
    h(Notice, { kind: "success" }, "End-to-end encryption is set up."),
    h("p", { class: "lead" }, "Your chats will be backed up with end-to-end encryption. Tap Done and we'll prepare your first encrypted backup."),
    h(
      Button,
      {
        id: "done",
        onClick: () => {
          startBackup(app);
          navigate("/settings/chats/backup", { replace: true });
        },
      },
      "Done",
    ),
  );
}
