/**
 * @chatvault/web (Node side): the demo server that serves the web messenger, its storage
 * API and the path to the key vault; and the build of the app. `npm start` (apps/local)
 * calls `createWebServer`; options are documented on `WebServerOptions` and in
 * docs/web.md.
 */
export { createWebServer, DEFAULT_DIST_DIR, type WebServerOptions, type RunningWebServer } from "./web-server.ts";
export { isDemoAccount } from "./accounts.ts";
export { CONTENT_SECURITY_POLICY } from "./static-files.ts";
export { buildWebApp, webAppBuilt, type BuildWebAppOptions } from "../scripts/build-app.ts";
