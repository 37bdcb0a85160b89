/** The web messenger's entry: styles, then the app into #root. */
import { h, render } from "preact";
import "./styles.css";
import { App } from "./ui/app.ts";

render(h(App, null), document.getElementById("root")!);
