/**
 * The app: boot (config, account, local chats), then either the login, the restore offer
 * of a new phone with a backup, or the messenger with its screens.
 */
import { h } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { type Connections, connect } from "../backup/connections.ts";
import { describeError } from "../backup/errors.ts";
import { type FoundBackup, findBackup } from "../backup/repository.ts";
import { type BackupSettings, loadSettings } from "../backup/settings.ts";
import { ChatDb } from "../chats/chat-db.ts";
import { seedDemoHistory } from "../chats/seed.ts";
import { type AppConfig, fetchConfig } from "../platform/api.ts";
import { wipeAll } from "../platform/idb.ts";
import { Session } from "../platform/session.ts";
import { LoginScreen } from "../screens/login.ts";
import { RestoreScreen } from "../screens/restore.ts";
import { type Restored, restoredText } from "../backup/restore.ts";
import { flash } from "./flash.ts";
import { formatMoment } from "./format.ts";
import { AppContext, type AppState } from "./app-context.ts";
import { Notice, Screen, Spinner } from "./components.ts";
import { navigate } from "./router.ts";
import { Routes } from "./routes.ts";
import { AutoRun } from "../backup/auto-run.ts";
import { ReminderHost } from "../screens/password-reminder.ts";

type Stage =
  | { kind: "loading"; label: string }
  | { kind: "login"; config: AppConfig }
  /** `previous`: the chats this phone already has (restore chosen from Settings); Skip goes back to them. */
  | { kind: "restore"; conn: Connections; session: Session; found: FoundBackup; previous?: ChatDb }
  | { kind: "ready"; conn: Connections; session: Session; chats: ChatDb; settings: BackupSettings }
  | { kind: "failed"; message: string };

export function App() {
  const [stage, setStage] = useState<Stage>({ kind: "loading", label: "Opening your chats…" });
  const [testMode, setTestMode] = useState(false);
  const [, setTick] = useState(0);

  /** After login: the phone's own chats, else a backup to restore, else the demo history. */
  const open = useCallback(async (config: AppConfig, session: Session) => {
    const conn = connect(session, config);
    const chats = await ChatDb.load();
    if (chats) return setStage({ kind: "ready", conn, session, chats, settings: await loadSettings() });
    setStage({ kind: "loading", label: "Looking for a backup…" });
    const found = await findBackup(conn.storage);
    if (found) return setStage({ kind: "restore", conn, session, found });
    await startFresh(conn, session);
  }, []);

  const startFresh = useCallback(async (conn: Connections, session: Session) => {
    setStage({ kind: "loading", label: "Setting up your chats…" });
    const chats = await seedDemoHistory();
    navigate("/", { replace: true });
    setStage({ kind: "ready", conn, session, chats, settings: await loadSettings() });
  }, []);

  useEffect(() => {
    (async () => {
      const config = await fetchConfig();
      setTestMode(config.testOnlyWeakKeyStretching);
      const session = await Session.resume();
      if (!session) return setStage({ kind: "login", config });
      await open(config, session);
    })().catch((e: unknown) => setStage({ kind: "failed", message: describeError(e) }));
  }, [open]);

  const fail = (e: unknown) => setStage({ kind: "failed", message: describeError(e) });
  return h(
    "div",
    { class: "app" },
    testMode ? h(TestModeBanner, null) : null,
    renderStage(stage, {
      login: (config, session) => open(config, session).catch(fail),
      restored: async (r) => {
        if (stage.kind !== "restore") return;
        stage.previous?.close();
        flash(restoredText(r, (ms) => formatMoment(ms)));
        navigate("/", { replace: true });
        setStage({ kind: "ready", conn: stage.conn, session: stage.session, chats: r.chats, settings: await loadSettings() });
      },
      skipRestore: () => {
        if (stage.kind !== "restore") return;
        if (!stage.previous) return void startFresh(stage.conn, stage.session).catch(fail);
        const { conn, session, previous } = stage;
        loadSettings().then((settings) => setStage({ kind: "ready", conn, session, chats: previous, settings }), fail);
      },
      offerRestore: async () => {
        if (stage.kind !== "ready") return;
        try {
          const found = await findBackup(stage.conn.storage);
          if (found) setStage({ kind: "restore", conn: stage.conn, session: stage.session, found, previous: stage.chats });
        } catch (e) {
          fail(e);
        }
      },
      reloadSettings: async () => {
        const settings = await loadSettings();
        setStage((s) => (s.kind === "ready" ? { ...s, settings } : s));
      },
      chatsChanged: () => setTick((t) => t + 1),
      logout: async () => {
        if (stage.kind !== "ready") return;
        stage.chats.close();
        await wipeAll();
        navigate("/", { replace: true });
        setStage({ kind: "login", config: stage.conn.config });
      },
    }),
  );
}

interface StageActions {
  login(config: AppConfig, session: Session): void;
  restored(r: Restored): Promise<void>;
  skipRestore(): void;
  reloadSettings(): Promise<void>;
  chatsChanged(): void;
  logout(): Promise<void>;
  offerRestore(): Promise<void>;
}

function renderStage(stage: Stage, act: StageActions) {
  switch (stage.kind) {
    case "loading":
      return h(Screen, { title: "chatvault" }, h(Spinner, { label: stage.label }));
    case "failed":
      return h(Screen, { title: "chatvault" }, h(Notice, { kind: "error" }, stage.message));
    case "login":
      return h(LoginScreen, { onLoggedIn: (s: Session) => act.login(stage.config, s) });
    case "restore":
      return h(RestoreScreen, {
        account: stage.session.account,
        conn: stage.conn,
        found: stage.found,
        onRestored: act.restored,
        onSkip: act.skipRestore,
        fromSettings: !!stage.previous,
      });
    case "ready": {
      const state: AppState = {
        session: stage.session,
        conn: stage.conn,
        chats: stage.chats,
        settings: stage.settings,
        reloadSettings: act.reloadSettings,
        chatsChanged: act.chatsChanged,
        logout: act.logout,
        offerRestore: act.offerRestore,
      };
      return h(AppContext.Provider, { value: state }, h(AutoRun, null), h(ReminderHost, null), h(Routes, null));
    }
  }
}

function TestModeBanner() {
  return h("p", { class: "test-banner", role: "note" }, "Test mode: passwords are hashed with a weak setting. Never use real passwords here.");
}
