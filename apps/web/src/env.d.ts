/** Vite's `?url` imports: the bundler emits the file and the import is its URL. */
declare module "*?url" {
  const url: string;
  export default url;
}
